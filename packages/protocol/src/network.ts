// The egress policy of a run: where the agent's tools may connect through the host's forward proxy.
// sandcaster.json `network` is the ceiling; a request's `network` may only narrow it.
import * as z from "zod";
import { formatHostPattern, hostPatternCovers, parseHostPattern } from "./host-pattern.js";

/** "none": no connection leaves; "allowlist": only hosts matching `allow`; "open": any public host. */
export const EGRESS_MODES = ["none", "allowlist", "open"] as const;
export type EgressMode = (typeof EGRESS_MODES)[number];
const RANK: Record<EgressMode, number> = { none: 0, allowlist: 1, open: 2 };

/**
 * The allow-list of a config that names none: the npm registry and PyPI, so `npm install` and
 * `pip install` work out of the box. Both serve by name and take uploads only with a token no
 * sandbox has, so they make a narrow channel out; general hosts (code hosting, pastebins) do not.
 */
export const DEFAULT_EGRESS_ALLOW: readonly string[] = [
  "registry.npmjs.org",
  "pypi.org",
  "files.pythonhosted.org",
];

/** One host pattern, parsed and stored in its canonical text (`*.Example.COM.` → `*.example.com`). */
export const HostPatternSchema = z
  .string()
  .max(300)
  .transform((text, ctx) => {
    const parsed = parseHostPattern(text);
    if (typeof parsed === "string") {
      ctx.addIssue({ code: "custom", message: parsed });
      return z.NEVER;
    }
    return formatHostPattern(parsed);
  });

const allowOnlyWithAllowlist = (
  value: { egress?: EgressMode | undefined; allow?: string[] | undefined },
  ctx: z.RefinementCtx,
) => {
  if (value.allow !== undefined && value.egress !== undefined && value.egress !== "allowlist") {
    ctx.addIssue({
      code: "custom",
      path: ["allow"],
      message: `only read when egress is "allowlist" (egress is "${value.egress}")`,
    });
  }
};

/** A request's `network`: both fields optional; `allow` alone means `egress: "allowlist"`. */
export const NetworkRequestSchema = z
  .strictObject({
    egress: z.enum(EGRESS_MODES).optional(),
    allow: z.array(HostPatternSchema).max(256).optional(),
  })
  .superRefine(allowOnlyWithAllowlist);
export type NetworkRequest = z.output<typeof NetworkRequestSchema>;

/** sandcaster.json `network`. */
export const NetworkConfigSchema = z
  .strictObject({
    egress: z.enum(EGRESS_MODES).default("allowlist"),
    /** Hosts a run may reach when egress is "allowlist"; absent: DEFAULT_EGRESS_ALLOW. */
    allow: z.array(HostPatternSchema).max(1024).optional(),
    /**
     * Loopback, private, link-local, CGNAT and metadata addresses are refused whatever a name
     * resolves to; an address listed here exactly is not (it still needs an allowed host).
     */
    allowAddresses: z
      .array(z.union([z.ipv4(), z.ipv6()]))
      .max(256)
      .default([]),
  })
  .superRefine(allowOnlyWithAllowlist);
export type NetworkConfig = z.output<typeof NetworkConfigSchema>;

/** What one run's egress proxy enforces. */
export interface NetworkPolicy {
  egress: EgressMode;
  /** Canonical host patterns; empty unless egress is "allowlist". */
  allow: string[];
  /** Exact addresses exempt from the private-address refusal (operator's config only). */
  allowAddresses: string[];
}

export type NetworkPolicyResult =
  | { ok: true; policy: NetworkPolicy }
  | { ok: false; field: string; message: string };

function refuse(field: string, message: string): NetworkPolicyResult {
  return { ok: false, field, message };
}

/**
 * Merges a request's `network` into the config's. A request asking for more than the config
 * allows is refused with the field it got wrong (the caller answers 400), never silently cut.
 */
export function effectiveNetworkPolicy(
  config: NetworkConfig,
  request: NetworkRequest | undefined,
): NetworkPolicyResult {
  const ceiling = config.egress;
  const ceilingAllow = ceiling === "allowlist" ? [...(config.allow ?? DEFAULT_EGRESS_ALLOW)] : [];
  const allowAddresses = [...config.allowAddresses];
  const asked = request?.egress ?? (request?.allow ? "allowlist" : ceiling);
  if (RANK[asked] > RANK[ceiling]) {
    return refuse(
      request?.egress ? "network.egress" : "network.allow",
      `egress "${asked}" is wider than this server allows ("${ceiling}", sandcaster.json network.egress)`,
    );
  }
  if (asked !== "allowlist")
    return { ok: true, policy: { egress: asked, allow: [], allowAddresses } };
  if (!request?.allow)
    return { ok: true, policy: { egress: asked, allow: ceilingAllow, allowAddresses } };
  // Under an "open" ceiling any list is narrower; under an allow-list each pattern must fit in it.
  const outer = ceilingAllow.map((text) => parseHostPattern(text));
  const within = (text: string) => {
    if (ceiling === "open") return true;
    const inner = parseHostPattern(text);
    return (
      typeof inner !== "string" &&
      outer.some((pattern) => typeof pattern !== "string" && hostPatternCovers(pattern, inner))
    );
  };
  const outside = request.allow.findIndex((text) => !within(text));
  if (outside >= 0) {
    return refuse(
      `network.allow.${outside}`,
      `"${request.allow[outside]}" is not within this server's allow-list (sandcaster.json network.allow)`,
    );
  }
  return {
    ok: true,
    policy: { egress: asked, allow: [...new Set(request.allow)], allowAddresses },
  };
}
