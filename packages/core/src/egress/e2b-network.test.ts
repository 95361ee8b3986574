import type { NetworkPolicy } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { e2bNetworkOptions } from "./e2b-network.js";

const policy = (p: Partial<NetworkPolicy>): NetworkPolicy => ({
  egress: "allowlist",
  allow: [],
  allowAddresses: [],
  ...p,
});

describe("e2bNetworkOptions", () => {
  it("denies all traffic but the gateway for none", () => {
    expect(
      e2bNetworkOptions(policy({ egress: "none" }), { gatewayHost: "GW.example.com" }),
    ).toEqual({
      network: { allowOut: ["gw.example.com"], denyOut: ["0.0.0.0/0"] },
      warnings: [],
    });
    expect(e2bNetworkOptions(policy({ egress: "none" })).network).toEqual({
      allowOut: [],
      denyOut: ["0.0.0.0/0"],
    });
  });

  it("allows the allow-list's hosts (wildcards kept, ports dropped with a warning)", () => {
    const mapped = e2bNetworkOptions(
      policy({ allow: ["*.example.com", "pkg.test:8443", "203.0.113.7", "pkg.test"] }),
      { gatewayHost: "gw.test" },
    );
    expect(mapped.network).toEqual({
      allowOut: ["gw.test", "*.example.com", "pkg.test", "203.0.113.7"],
      denyOut: ["0.0.0.0/0"],
    });
    expect(mapped.warnings).toEqual([
      "e2b filters egress by host, not port: allowed hosts are reachable on every port",
    ]);
  });

  it("keeps internal ranges closed when open", () => {
    const mapped = e2bNetworkOptions(policy({ egress: "open", allowAddresses: ["10.0.0.5"] }));
    expect(mapped.network.allowOut).toBeUndefined();
    expect(mapped.network.denyOut).toEqual(
      expect.arrayContaining(["10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10"]),
    );
    expect(mapped.warnings[0]).toContain("allowAddresses");
  });
});
