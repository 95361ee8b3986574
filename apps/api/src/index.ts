// Public surface of @sandcaster/api.
export { type AppDeps, createApp, DEFAULT_BODY_LIMIT_BYTES } from "./app.js";
export { HttpError } from "./http-error.js";
export { createLogger } from "./logger.js";
export * from "./metrics/index.js";
export { type RunningServer, startServer } from "./server.js";
