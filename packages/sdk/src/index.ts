// Public surface of @sandcaster/sdk.
export {};
