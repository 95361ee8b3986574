// The egress proxy against test hosts "outside": HTTP and HTTPS servers in a network namespace
// this test creates (10.251.x.y on a veth), reached by fake names. Needs root and iproute2:
// skipped with the reason otherwise, unless SANDCASTER_REQUIRE_NETNS=1.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type NetnsHost, netnsUnavailableReason, startNetnsHost } from "@sandcaster/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { curl, type ProxyHarness, policyOf, startProxy } from "./harness.js";

const reason = netnsUnavailableReason();
const required = process.env.SANDCASTER_REQUIRE_NETNS === "1";

describe.runIf(reason !== undefined && required)("egress proxy on netns hosts (required)", () => {
  it("can run here", () => {
    throw new Error(`SANDCASTER_REQUIRE_NETNS=1 but ${reason}`);
  });
});

describe.skipIf(reason !== undefined)(
  `egress proxy on netns hosts${reason ? ` (${reason})` : ""}`,
  () => {
    let host: NetnsHost;
    let harness: ProxyHarness | undefined;
    let ca: string;

    beforeAll(async () => {
      host = await startNetnsHost({
        hostnames: ["allowed.test", "www.allowed.test", "blocked.test", "rebind.test"],
        label: "outside",
      });
    });
    afterAll(async () => {
      await host?.close();
    });
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    const resolve = async (name: string) => {
      const found = host.resolve(name);
      if (!found) throw new Error(`getaddrinfo ENOTFOUND ${name}`);
      return found;
    };

    async function proxy(policy: Parameters<typeof policyOf>[0]) {
      harness = await startProxy(policyOf(policy), { resolve });
      ca = join(harness.dir, "ca.pem");
      await writeFile(ca, host.caPem);
      return harness;
    }

    it("reaches an allowed host over HTTPS (CONNECT, certificate checked) and HTTP", async () => {
      const h = await proxy({
        allow: ["allowed.test", "*.allowed.test"],
        allowAddresses: [host.address],
      });
      const before = host.connections.length;
      const tls = await curl([
        "-x",
        h.relay.url,
        "--cacert",
        ca,
        "https://allowed.test/secure?q=1",
      ]);
      expect(tls.exitCode, tls.stderr).toBe(0);
      expect(JSON.parse(tls.stdout)).toEqual({
        server: "outside",
        scheme: "https",
        method: "GET",
        path: "/secure?q=1",
        host: "allowed.test",
        via: null,
      });
      const plain = await curl(["-x", h.relay.url, "http://www.allowed.test/plain"]);
      expect(plain.exitCode, plain.stderr).toBe(0);
      expect(JSON.parse(plain.stdout)).toMatchObject({ scheme: "http", host: "www.allowed.test" });
      expect(host.connections.slice(before).map((c) => c.scheme)).toEqual(["https", "http"]);
      expect(h.denials).toEqual([]);
    });

    it("refuses a host that is not allowed, though it lives at the same address", async () => {
      const h = await proxy({ allow: ["allowed.test"], allowAddresses: [host.address] });
      const before = host.connections.length;
      const tls = await curl(["-x", h.relay.url, "--cacert", ca, "https://blocked.test/"]);
      expect(tls.exitCode).not.toBe(0);
      expect(tls.stderr).toContain("CONNECT tunnel failed, response 403");
      const plain = await curl(["-i", "-x", h.relay.url, "http://blocked.test/"]);
      expect(plain.stdout).toMatch(/^HTTP\/1\.1 403/);
      expect(plain.stdout).toContain("EGRESS_DENIED");
      expect(h.denials.map((d) => [d.host, d.denial.kind])).toEqual([
        ["blocked.test", "policy"],
        ["blocked.test", "policy"],
      ]);
      expect(host.connections.length).toBe(before);
    });

    it("refuses an allowed name that resolves to a private address the operator did not list", async () => {
      const h = await proxy({ allow: ["allowed.test", "rebind.test"] });
      const before = host.connections.length;
      for (const url of ["https://allowed.test/", "http://rebind.test/"]) {
        const result = await curl(["-i", "-x", h.relay.url, "--cacert", ca, url]);
        expect(`${result.stdout}${result.stderr}`).toContain("403");
      }
      expect(h.denials.map((d) => d.denial.message)).toEqual([
        `allowed.test resolves to ${host.address} is not a public address (private)`,
        `rebind.test resolves to ${host.address} is not a public address (private)`,
      ]);
      expect(host.connections.length).toBe(before);
      expect(h.dials).toEqual([]);
    });

    it("refuses the allowed host when egress is none", async () => {
      const h = await proxy({ egress: "none", allowAddresses: [host.address] });
      const before = host.connections.length;
      const result = await curl(["-x", h.relay.url, "--cacert", ca, "https://allowed.test/"]);
      expect(result.stderr).toContain("response 403");
      expect(h.denials[0]?.denial.message).toBe("this run has no network egress");
      expect(host.connections.length).toBe(before);
    });

    it("open egress reaches any name at a listed address, and refuses it unlisted", async () => {
      const listed = await proxy({ egress: "open", allowAddresses: [host.address] });
      const ok = await curl(["-x", listed.relay.url, "--cacert", ca, "https://blocked.test/open"]);
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ path: "/open", host: "blocked.test" });
      await listed.close();
      harness = undefined;
      const unlisted = await proxy({ egress: "open" });
      const before = host.connections.length;
      const refused = await curl([
        "-x",
        unlisted.relay.url,
        "--cacert",
        ca,
        "https://blocked.test/",
      ]);
      expect(refused.stderr).toContain("response 403");
      expect(unlisted.denials[0]?.denial.kind).toBe("address");
      expect(host.connections.length).toBe(before);
    });
  },
);
