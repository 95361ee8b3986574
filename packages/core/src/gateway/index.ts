// The host's model gateway: per-run capability tokens, key injection, metering and budgets.
export { errorBody, type GatewayErrorCode } from "./gateway-answer.js";
export { type GatewayExtensionOptions, gatewayExtension } from "./gateway-extension.js";
export { GatewayRegistry, sharedGatewayRegistry } from "./gateway-registry.js";
export type { GatewayCall } from "./gateway-run-state.js";
export { handleModelCall, presentedToken } from "./handle-model-call.js";
export { type Meter, meteredResult } from "./metered-result.js";
export {
  type EgressHandler,
  openRunGateway,
  type RunGateway,
  type RunGatewayOptions,
} from "./run-gateway.js";
export type { BudgetRefusal } from "./run-spend.js";
export { OFFICIAL_BASE_URLS, upstreamFromEnv } from "./upstream.js";
export { createUsageReader } from "./usage-reader.js";
