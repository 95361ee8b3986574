// The egress proxy's bounds: tunnels per run, idle time, close() at the end of a run, header size.
import { once } from "node:events";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { curl, type ProxyHarness, policyOf, startProxy, tableResolve } from "./harness.js";
import { type LoopbackUpstream, rawConnect, startLoopbackUpstream, waitFor } from "./loopback.js";

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

describe("bounds", () => {
  it("limits open tunnels per run, and frees a slot when one closes", async () => {
    const h = await proxy(policyOf({ allow: [`upstream.test:${port}`], ...exempt }), {
      resolve: tableResolve({ "upstream.test": ["127.0.0.1"] }),
      limits: { maxConnections: 2 },
    });
    const first = await rawConnect(h.socketPath, `upstream.test:${port}`);
    const second = await rawConnect(h.socketPath, `upstream.test:${port}`);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(h.proxy.openConnections).toBe(2);
    const third = await rawConnect(h.socketPath, `upstream.test:${port}`);
    expect(third.status).toBe(429);
    expect(h.denials.map((d) => d.denial.kind)).toEqual(["limit"]);
    third.socket.destroy();
    first.socket.destroy();
    await waitFor(() => h.proxy.openConnections === 1);
    const fourth = await rawConnect(h.socketPath, `upstream.test:${port}`);
    expect(fourth.status).toBe(200);
    second.socket.destroy();
    fourth.socket.destroy();
  });

  it("closes an idle tunnel", async () => {
    const h = await proxy(policyOf({ allow: [`upstream.test:${port}`], ...exempt }), {
      resolve: tableResolve({ "upstream.test": ["127.0.0.1"] }),
      limits: { idleTimeoutMs: 200 },
    });
    const tunnel = await rawConnect(h.socketPath, `upstream.test:${port}`);
    expect(tunnel.status).toBe(200);
    await once(tunnel.socket, "close");
    await waitFor(() => h.proxy.openConnections === 0);
  });

  it("gives up on a plain-HTTP upstream that stays silent", async () => {
    const h = await proxy(policyOf({ allow: [`upstream.test:${port}`], ...exempt }), {
      resolve: tableResolve({ "upstream.test": ["127.0.0.1"] }),
      limits: { idleTimeoutMs: 200 },
    });
    const result = await curl(["-i", "-x", h.relay.url, `http://upstream.test:${port}/hang`]);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 502/);
    expect(result.stdout).toContain("idle too long");
    await waitFor(() => h.proxy.openConnections === 0);
  });

  it("ends every tunnel on close() and refuses new ones", async () => {
    const h = await proxy(policyOf({ allow: [`upstream.test:${port}`], ...exempt }), {
      resolve: tableResolve({ "upstream.test": ["127.0.0.1"] }),
    });
    const tunnel = await rawConnect(h.socketPath, `upstream.test:${port}`);
    expect(tunnel.status).toBe(200);
    const closed = once(tunnel.socket, "close");
    h.proxy.close();
    await closed;
    const after = await rawConnect(h.socketPath, `upstream.test:${port}`);
    expect(after.status).toBe(503);
    after.socket.destroy();
  });

  it("refuses oversized request headers before the proxy sees them", async () => {
    const h = await proxy(policyOf({ egress: "open" }));
    const big = await rawConnect(h.socketPath, "a.test:443", { "x-big": "a".repeat(20_000) });
    expect(big.status).toBe(431);
    big.socket.destroy();
    expect(h.denials).toEqual([]);
  });
});
