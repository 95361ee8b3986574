// A request's `network` against sandcaster.json's, for planRun: the merged policy, or a 400 that
// names the field asking for more than the server allows.
import {
  effectiveNetworkPolicy,
  type NetworkPolicy,
  type QueryRequest,
  type SandcasterConfig,
} from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";

export function planNetwork(request: QueryRequest, config: SandcasterConfig): NetworkPolicy {
  const result = effectiveNetworkPolicy(config.network, request.network);
  if (!result.ok) throw new PlanError(result.field, result.message);
  return result.policy;
}
