// A run's NetworkPolicy compiled once into the question the proxy asks per connection: may the
// agent's tools reach host:port by name? (Where that name resolves is address-check's question.)
import {
  type HostPattern,
  hostPatternMatches,
  type NetworkPolicy,
  parseHostPattern,
} from "@sandcaster/protocol";
import { canonicalAddress } from "./address-check.js";

export type HostVerdict = { ok: true } | { ok: false; message: string };

/** Patterns with IP literals in canonical form, so `[2001:DB8:0::1]` matches `2001:db8::1`. */
function compile(allow: readonly string[]): HostPattern[] {
  const out: HostPattern[] = [];
  for (const text of allow) {
    const pattern = parseHostPattern(text);
    // The schema already refused bad patterns; one that slips through allows nothing.
    if (typeof pattern === "string") continue;
    if (pattern.kind !== "name") {
      const canonical = canonicalAddress(pattern.host);
      if (!canonical) continue;
      out.push({ ...pattern, host: canonical });
    } else {
      out.push(pattern);
    }
  }
  return out;
}

/** Lowercase, no trailing dot, IP literals canonical: the form patterns are matched against. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, "");
  return canonicalAddress(lower) ?? lower;
}

export function compilePolicy(policy: NetworkPolicy): (host: string, port: number) => HostVerdict {
  const patterns = compile(policy.allow);
  return function hostAllowed(host, port) {
    if (policy.egress === "none") return { ok: false, message: "this run has no network egress" };
    if (policy.egress === "open") return { ok: true };
    const normalized = normalizeHost(host);
    if (patterns.some((pattern) => hostPatternMatches(pattern, normalized, port))) {
      return { ok: true };
    }
    return { ok: false, message: "not on this run's allow-list (sandcaster.json network.allow)" };
  };
}
