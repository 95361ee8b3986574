// Without an API key the server answers only for loopback and configured host names (DNS rebinding).
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A GET with the Host header a rebinding page's browser would send (fetch may not forge it). */
function get(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: target.hostname, port: target.port, path: target.pathname, headers: { host } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("the Host check", () => {
  it("refuses a rebinding page's host name with 421 JSON, and serves loopback names", async () => {
    t = await startTestServer({ turns: [] });
    const refused = await get(t.url, "/runs", "evil.example:8080");
    expect(refused.status).toBe(421);
    const body = JSON.parse(refused.body) as { code: string; error: string; details: unknown };
    expect(body.code).toBe("HOST_NOT_ALLOWED");
    expect(body.error).toContain("server.allowedHosts");
    expect(body.details).toEqual([{ field: "host", message: "not a loopback or allowed host" }]);
    for (const host of ["localhost:1234", "127.0.0.1", "127.9.9.9:80", "[::1]:8080", "LOCALHOST"]) {
      expect((await get(t.url, "/runs", host)).status, host).toBe(200);
    }
    // Probes keep working whatever address the orchestrator uses.
    expect((await get(t.url, "/health", "10.1.2.3:8080")).status).toBe(200);
    // A name that merely starts like loopback is not loopback.
    expect((await get(t.url, "/runs", "127.0.0.1.evil.example")).status).toBe(421);
    expect((await get(t.url, "/runs", "localhost.evil.example")).status).toBe(421);
  });

  it("serves configured names (sandcaster.json and SANDCASTER_ALLOWED_HOSTS)", async () => {
    t = await startTestServer({
      turns: [],
      config: { server: { allowedHosts: ["sandcaster.internal"] } },
      env: { SANDCASTER_ALLOWED_HOSTS: "a.example, b.example" },
    });
    for (const host of ["sandcaster.internal:8080", "A.example", "b.example:1"]) {
      expect((await get(t.url, "/runs", host)).status, host).toBe(200);
    }
    expect((await get(t.url, "/runs", "c.example")).status).toBe(421);
  });

  it("does not check Host when an API key authenticates every request", async () => {
    t = await startTestServer({ turns: [], apiKey: "k-123456" });
    const res = await get(t.url, "/health", "anything.example");
    expect(res.status).toBe(200);
    expect((await get(t.url, "/runs", "anything.example")).status).toBe(401);
  });
});
