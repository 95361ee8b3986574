// The egress proxy through a real http.Server on a Unix socket, driven by curl through a loopback
// relay (as tools in a sandbox will use it) and by raw clients. The upstream is a loopback server;
// the proxy only reaches it because each test exempts 127.0.0.1 explicitly.
import { networkInterfaces } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { curl, type ProxyHarness, policyOf, startProxy, tableResolve } from "./harness.js";
import {
  type LoopbackUpstream,
  rawConnect,
  rawRequest,
  startLoopbackUpstream,
} from "./loopback.js";

let upstream: LoopbackUpstream;
let port: number;
let seen: LoopbackUpstream["seen"];

beforeAll(async () => {
  upstream = await startLoopbackUpstream();
  port = upstream.port;
  seen = upstream.seen;
});
afterAll(() => upstream.close());

let harness: ProxyHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  seen.length = 0;
});

async function proxy(...args: Parameters<typeof startProxy>) {
  harness = await startProxy(...args);
  return harness;
}

const exempt = { allowAddresses: ["127.0.0.1"] };

describe("allowed destinations", () => {
  it("carries plain HTTP and a CONNECT tunnel to an allowed host, content intact", async () => {
    const h = await proxy(policyOf({ allow: [`upstream.test:${port}`], ...exempt }), {
      resolve: tableResolve({ "upstream.test": ["127.0.0.1"] }),
    });
    const plain = await curl(["-x", h.relay.url, `http://upstream.test:${port}/plain?x=1`]);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toEqual({
      server: "loopback",
      path: "/plain?x=1",
      host: `upstream.test:${port}`,
    });
    const tunnelled = await curl(["-p", "-x", h.relay.url, `http://upstream.test:${port}/tunnel`]);
    expect(tunnelled.exitCode, tunnelled.stderr).toBe(0);
    expect(JSON.parse(tunnelled.stdout)).toMatchObject({ path: "/tunnel" });
    expect(h.denials).toEqual([]);
    expect(h.dials).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
  });

  it("does not pass the proxy's credentials or hop-by-hop headers on", async () => {
    const h = await proxy(policyOf({ allow: [`upstream.test:${port}`], ...exempt }), {
      resolve: tableResolve({ "upstream.test": ["127.0.0.1"] }),
    });
    const result = await curl([
      "-x",
      h.relay.url,
      "-U",
      "user:proxy-secret",
      "-H",
      "Connection: x-private",
      "-H",
      "X-Private: hop",
      "-H",
      "X-Kept: yes",
      `http://upstream.test:${port}/`,
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const headers = seen[0]?.headers ?? {};
    expect(headers["x-kept"]).toBe("yes");
    expect(headers["proxy-authorization"]).toBeUndefined();
    expect(headers["x-private"]).toBeUndefined();
    expect(headers.connection).toBe("close");
  });
});

describe("refusals", () => {
  it("refuses a host not on the allow-list, reports it, and never connects", async () => {
    const h = await proxy(policyOf({ allow: [`upstream.test:${port}`], ...exempt }), {
      resolve: tableResolve({ "other.test": ["127.0.0.1"] }),
    });
    const plain = await curl(["-i", "-x", h.relay.url, `http://other.test:${port}/`]);
    expect(plain.stdout).toMatch(/^HTTP\/1\.1 403/);
    expect(plain.stdout.toLowerCase()).toContain("x-sandcaster-error: egress_denied");
    expect(plain.stdout).toContain("not on this run's allow-list");
    const tls = await curl(["-x", h.relay.url, `https://other.test:${port}/`]);
    expect(tls.exitCode).not.toBe(0);
    expect(tls.stderr).toContain("CONNECT tunnel failed, response 403");
    expect(h.denials.map((d) => [d.host, d.denial.kind, d.denial.port])).toEqual([
      ["other.test", "policy", port],
      ["other.test", "policy", port],
    ]);
    expect(h.dials).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("refuses an allowed name on a port the pattern does not allow", async () => {
    const h = await proxy(policyOf({ allow: ["upstream.test"], ...exempt }), {
      resolve: tableResolve({ "upstream.test": ["127.0.0.1"] }),
    });
    const result = await curl(["-p", "-x", h.relay.url, `http://upstream.test:${port}/`]);
    expect(result.stderr).toContain("response 403");
    expect(h.denials[0]?.denial.kind).toBe("policy");
    expect(h.dials).toEqual([]);
  });

  it("refuses loopback, metadata and this host's addresses even when allow-listed by name", async () => {
    // This host's own addresses (eth0, the docker bridge gateway…), each under an allowed name.
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry !== undefined && !entry.internal && !entry.address.includes("%"))
      .map((entry) => entry?.address ?? "")
      .slice(0, 6);
    const table: Record<string, string[]> = {
      "sneaky.test": ["127.0.0.1"],
      "sneaky6.test": ["::1"],
      "metadata.test": ["169.254.169.254"],
      "metadata6.test": ["fd00:ec2::254"],
      "mapped.test": ["::ffff:127.0.0.1"],
      ...Object.fromEntries(own.map((address, i) => [`me${i}.test`, [address]])),
    };
    const names = Object.keys(table);
    const h = await proxy(
      policyOf({ allow: [...names, "127.0.0.1", "[::1]", "169.254.169.254"] }),
      { resolve: tableResolve(table) },
    );
    const targets = [...names, "127.0.0.1", "[::1]", "169.254.169.254"];
    for (const target of targets) {
      const plain = await curl(["-i", "-x", h.relay.url, `http://${target}/`]);
      expect(plain.stdout, target).toMatch(/^HTTP\/1\.1 403/);
      const tls = await curl(["-x", h.relay.url, `https://${target}/`]);
      expect(tls.stderr, target).toContain("response 403");
    }
    expect(h.denials).toHaveLength(targets.length * 2);
    expect(h.denials.every((d) => d.denial.kind === "address")).toBe(true);
    const messages = h.denials.map((d) => `${d.host}: ${d.denial.message}`);
    expect(messages).toContain(
      "metadata.test: metadata.test resolves to 169.254.169.254 is a cloud metadata address",
    );
    expect(messages).toContain(
      "sneaky6.test: sneaky6.test resolves to ::1 is not a public address (loopback)",
    );
    // This host's private address is refused as non-public; a public one as this server's own.
    own.forEach((address, i) => {
      const said = `me${i}.test: me${i}.test resolves to ${address} is`;
      expect(messages.some((m) => m.startsWith(said))).toBe(true);
    });
    expect(h.dials).toEqual([]);
  });

  it("refuses a name if any of its addresses is refused, even when another is exempt", async () => {
    const h = await proxy(policyOf({ allow: [`mixed.test:${port}`], ...exempt }), {
      resolve: tableResolve({ "mixed.test": ["127.0.0.1", "10.9.9.9"] }),
    });
    const result = await curl(["-x", h.relay.url, `http://mixed.test:${port}/`]);
    expect(result.stdout).toContain("10.9.9.9 is not a public address (private)");
    expect(h.dials).toEqual([]);
  });

  it("resolves once and connects to the checked address, whatever the name says later", async () => {
    let lookups = 0;
    const h = await proxy(policyOf({ allow: [`rebind.test:${port}`], ...exempt }), {
      // A rebinding resolver: the checked answer first, then an address that must not be used.
      resolve: async () => (lookups++ === 0 ? ["127.0.0.1"] : ["10.9.9.9"]),
    });
    const result = await curl(["-p", "-x", h.relay.url, `http://rebind.test:${port}/x`]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(lookups).toBe(1);
    expect(h.dials).toEqual([`127.0.0.1:${port}`]);
    const second = await curl(["-p", "-x", h.relay.url, `http://rebind.test:${port}/x`]);
    expect(second.stderr).toContain("response 403");
    expect(h.dials).toEqual([`127.0.0.1:${port}`]);
  });

  it("refuses everything when egress is none, exempt addresses too", async () => {
    const h = await proxy(policyOf({ egress: "none", ...exempt }), {
      resolve: tableResolve({ "upstream.test": ["127.0.0.1"] }),
    });
    const result = await curl(["-i", "-x", h.relay.url, `http://upstream.test:${port}/`]);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 403/);
    expect(result.stdout).toContain("this run has no network egress");
    expect(h.denials[0]?.denial.kind).toBe("policy");
    expect(h.dials).toEqual([]);
  });

  it("lets open egress reach any name, but still not a private address unless exempt", async () => {
    const resolve = tableResolve({ "anything.test": ["127.0.0.1"] });
    const closed = await proxy(policyOf({ egress: "open" }), { resolve });
    const refused = await curl(["-x", closed.relay.url, `http://anything.test:${port}/`]);
    expect(refused.stdout).toContain("not a public address (loopback)");
    await closed.close();
    const h = await proxy(policyOf({ egress: "open", ...exempt }), { resolve });
    const result = await curl(["-x", h.relay.url, `http://anything.test:${port}/open`]);
    expect(JSON.parse(result.stdout)).toMatchObject({ path: "/open" });
  });

  it("answers a malformed target with 400 and reports it", async () => {
    const h = await proxy(policyOf({ egress: "open" }));
    const bad = await rawConnect(h.socketPath, "no-port-here");
    expect(bad.status).toBe(400);
    bad.socket.destroy();
    const tlsAsPlain = await rawRequest(h.socketPath, "https://a.test/");
    expect(tlsAsPlain.status).toBe(400);
    expect(tlsAsPlain.body).toContain("needs CONNECT");
    expect(h.denials.map((d) => [d.host, d.denial.kind])).toEqual([
      ["no-port-here", "invalid"],
      ["https://a.test/", "invalid"],
    ]);
    expect(h.dials).toEqual([]);
  });
});
