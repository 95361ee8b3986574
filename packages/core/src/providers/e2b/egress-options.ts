// A run's egress policy as e2b network options: set at creation for a run's own sandbox, and
// again on every session turn (a paused workspace sandbox keeps whatever the last turn set).
import { e2bNetworkOptions } from "../../egress/e2b-network.js";
import type { CreateSandboxOptions } from "../../sandbox/sandbox.js";

/** The run's egress policy as e2b create options, or undefined when the run gave none. */
export function egressOptions(network: CreateSandboxOptions["network"]) {
  if (!network) return undefined;
  const gatewayHost = network.gatewayUrl ? new URL(network.gatewayUrl).hostname : undefined;
  return e2bNetworkOptions(network.policy, { gatewayHost });
}

/**
 * What a resumed session turn sends to updateNetwork. The update replaces every rule, so a turn
 * without a policy clears the previous turn's lists, and `limits.network` alone decides.
 */
export function networkUpdate(options: Pick<CreateSandboxOptions, "network" | "limits">) {
  const egress = egressOptions(options.network);
  if (!egress) return { allowInternetAccess: options.limits.network !== "none" };
  const { allowOut, denyOut } = egress.network;
  return {
    allowInternetAccess: true,
    ...(allowOut === undefined ? {} : { allowOut }),
    ...(denyOut === undefined ? {} : { denyOut }),
  };
}
