// Public surface of @sandcaster/protocol.
export * from "./composite.js";
export * from "./config.js";
export * from "./enums.js";
export * from "./error-codes.js";
export * from "./events.js";
export * from "./files.js";
export * from "./models.js";
export * from "./output-format.js";
export * from "./pricing.js";
export * from "./request.js";
export * from "./run-record.js";
export * from "./runner-config.js";
export type * from "./sandbox.js";
export * from "./server-config.js";
export * from "./session.js";
export * from "./tools.js";
export * from "./usage.js";
export * from "./validation.js";
