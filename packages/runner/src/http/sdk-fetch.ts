// node-fetch.ts typed as the SDKs' `fetch` option (the WHATWG signature they declare).
import { nodeFetch } from "./node-fetch.js";

export const sdkFetch = nodeFetch as unknown as typeof fetch;
