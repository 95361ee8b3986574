// The egress policy as E2B's own network settings (Sandbox.create `network`): E2B sandboxes are
// remote, so the host's proxy cannot stand in their way; E2B's firewall enforces what it can.
import type { NetworkPolicy } from "@sandcaster/protocol";
import { parseHostPattern } from "@sandcaster/protocol";
import type { SandboxNetworkOpts } from "e2b";

/** E2B's "all traffic" sentinel (the SDK's ALL_TRAFFIC). */
const ALL_TRAFFIC = "0.0.0.0/0";

/** What "open" must still not reach from an E2B sandbox: E2B's own internal ranges and metadata. */
export const E2B_NON_PUBLIC_RANGES: readonly string[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

export interface E2BNetworkMapping {
  /** Spread into Sandbox.create's options: `{ ...opts, network }`. */
  network: SandboxNetworkOpts;
  /** Where E2B enforces less than the policy says; the run emits each as a warning. */
  warnings: string[];
}

/**
 * `gatewayHost` (the host of gateway.publicUrl) is always allowed: without it the runner could
 * not reach its model. E2B matches names without ports, so a port in a pattern widens to all.
 */
export function e2bNetworkOptions(
  policy: NetworkPolicy,
  settings: { gatewayHost?: string | undefined } = {},
): E2BNetworkMapping {
  const warnings: string[] = [];
  const gateway = settings.gatewayHost ? [settings.gatewayHost.toLowerCase()] : [];
  if (policy.allowAddresses.length > 0) {
    warnings.push(
      "network.allowAddresses does not apply to e2b sandboxes (they are not on this network)",
    );
  }
  if (policy.egress === "open") {
    return { network: { denyOut: [...E2B_NON_PUBLIC_RANGES] }, warnings };
  }
  const hosts = new Set(gateway);
  let portsWidened = false;
  for (const text of policy.egress === "allowlist" ? policy.allow : []) {
    const pattern = parseHostPattern(text);
    if (typeof pattern === "string") continue;
    portsWidened ||= pattern.port !== undefined;
    hosts.add(pattern.wildcard ? `*.${pattern.host}` : pattern.host);
  }
  if (policy.egress === "allowlist" && policy.allow.length > 0) {
    warnings.push(
      portsWidened
        ? "e2b filters egress by host, not port: allowed hosts are reachable on every port"
        : "e2b filters egress by host, not port: allowed hosts are reachable on every port, not only 80 and 443",
    );
  }
  return { network: { allowOut: [...hosts], denyOut: [ALL_TRAFFIC] }, warnings };
}
