// The egress policy's enforcement on the host: the per-run forward proxy and what feeds it.
export { canonicalAddress, refusedAddress, serverAddresses } from "./address-check.js";
export type { EgressDenial, EgressDenialKind } from "./admit.js";
export type { Connect, Resolve } from "./dial.js";
export { type E2BNetworkMapping, e2bNetworkOptions } from "./e2b-network.js";
export {
  createEgressProxy,
  DEFAULT_EGRESS_LIMITS,
  EGRESS_SERVER_OPTIONS,
  type EgressLimits,
  type EgressProxy,
  type EgressProxyOptions,
  isProxyTarget,
} from "./egress-proxy.js";
export {
  createDenialReporter,
  egressDeniedWarning,
  MAX_EGRESS_WARNINGS,
} from "./egress-warnings.js";
export { planNetwork } from "./plan-network.js";
export { DENIED_HEADER } from "./proxy-context.js";
