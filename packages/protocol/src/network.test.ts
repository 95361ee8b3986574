import { describe, expect, it } from "vitest";
import { SandcasterConfigSchema } from "./config.js";
import {
  DEFAULT_EGRESS_ALLOW,
  effectiveNetworkPolicy,
  type NetworkConfig,
  NetworkConfigSchema,
  type NetworkRequest,
  NetworkRequestSchema,
} from "./network.js";
import { QueryRequestSchema } from "./request.js";
import { fieldIssues } from "./validation.js";

const config = (input: unknown): NetworkConfig => NetworkConfigSchema.parse(input);
const request = (input: unknown): NetworkRequest => NetworkRequestSchema.parse(input);

describe("network schemas", () => {
  it("gives a new config the default allow-list", () => {
    const parsed = SandcasterConfigSchema.parse({});
    expect(parsed.network).toEqual({ egress: "allowlist", allowAddresses: [] });
    expect(effectiveNetworkPolicy(parsed.network, undefined)).toEqual({
      ok: true,
      policy: { egress: "allowlist", allow: [...DEFAULT_EGRESS_ALLOW], allowAddresses: [] },
    });
  });

  it("stores patterns canonically and names a bad one by its index", () => {
    expect(config({ allow: ["*.Example.COM."] }).allow).toEqual(["*.example.com"]);
    const parsed = QueryRequestSchema.safeParse({
      prompt: "x",
      network: { allow: ["ok.test", "bad host"] },
    });
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      expect(fieldIssues(parsed.error)).toEqual([
        { field: "network.allow.1", message: '"bad host" is not a host name' },
      ]);
    }
  });

  it("refuses an allow list that would be ignored, and unknown fields", () => {
    const issues = (body: unknown) => {
      const parsed = QueryRequestSchema.safeParse({ prompt: "x", network: body });
      return parsed.success ? [] : fieldIssues(parsed.error).map((i) => i.field);
    };
    expect(issues({ egress: "open", allow: ["a.test"] })).toEqual(["network.allow"]);
    expect(issues({ egress: "none", allow: [] })).toEqual(["network.allow"]);
    // Exempting private addresses is the operator's decision, never a request's.
    expect(issues({ allowAddresses: ["10.0.0.1"] })).toEqual(["network.allowAddresses"]);
    expect(NetworkConfigSchema.safeParse({ egress: "open", allow: ["a.test"] }).success).toBe(
      false,
    );
    expect(NetworkConfigSchema.safeParse({ allowAddresses: ["10.0.0.300"] }).success).toBe(false);
  });
});

describe("effectiveNetworkPolicy", () => {
  const allowlist = config({
    allow: ["*.example.com", "pkg.test:8443"],
    allowAddresses: ["10.1.2.3"],
  });

  it("takes the config as it is when the request says nothing", () => {
    expect(effectiveNetworkPolicy(allowlist, undefined)).toEqual({
      ok: true,
      policy: {
        egress: "allowlist",
        allow: ["*.example.com", "pkg.test:8443"],
        allowAddresses: ["10.1.2.3"],
      },
    });
    expect(effectiveNetworkPolicy(allowlist, request({ egress: "allowlist" }))).toMatchObject({
      ok: true,
      policy: { allow: ["*.example.com", "pkg.test:8443"] },
    });
  });

  it("lets a request narrow the allow-list, to nothing at all", () => {
    expect(
      effectiveNetworkPolicy(allowlist, request({ allow: ["api.example.com", "pkg.test:8443"] })),
    ).toEqual({
      ok: true,
      policy: {
        egress: "allowlist",
        allow: ["api.example.com", "pkg.test:8443"],
        allowAddresses: ["10.1.2.3"],
      },
    });
    expect(effectiveNetworkPolicy(allowlist, request({ egress: "none" }))).toEqual({
      ok: true,
      policy: { egress: "none", allow: [], allowAddresses: ["10.1.2.3"] },
    });
    expect(effectiveNetworkPolicy(allowlist, request({ allow: [] }))).toMatchObject({
      ok: true,
      policy: { egress: "allowlist", allow: [] },
    });
  });

  it.each([
    [{ allow: ["example.com"] }, "network.allow.0"],
    [{ allow: ["a.example.com", "pkg.test"] }, "network.allow.1"],
    [{ allow: ["a.example.com:22"] }, "network.allow.0"],
    [{ egress: "open" }, "network.egress"],
  ])("refuses a request that asks for more than the config: %j", (asked, field) => {
    const result = effectiveNetworkPolicy(allowlist, request(asked));
    expect(result).toMatchObject({ ok: false, field });
    if (!result.ok) expect(result.message).toMatch(/sandcaster\.json network\./);
  });

  it("gives nothing more than none when the config says none", () => {
    const none = config({ egress: "none" });
    expect(effectiveNetworkPolicy(none, undefined)).toMatchObject({
      ok: true,
      policy: { egress: "none", allow: [] },
    });
    expect(effectiveNetworkPolicy(none, request({ allow: ["a.test"] }))).toMatchObject({
      ok: false,
      field: "network.allow",
    });
    expect(effectiveNetworkPolicy(none, request({ egress: "allowlist" }))).toMatchObject({
      ok: false,
      field: "network.egress",
    });
  });

  it("lets any allow-list narrow an open config", () => {
    const open = config({ egress: "open" });
    expect(effectiveNetworkPolicy(open, undefined)).toMatchObject({
      ok: true,
      policy: { egress: "open", allow: [] },
    });
    expect(effectiveNetworkPolicy(open, request({ allow: ["a.test", "a.test"] }))).toMatchObject({
      ok: true,
      policy: { egress: "allowlist", allow: ["a.test"] },
    });
    expect(effectiveNetworkPolicy(open, request({ egress: "allowlist" }))).toMatchObject({
      ok: true,
      policy: { egress: "allowlist", allow: [] },
    });
  });
});
