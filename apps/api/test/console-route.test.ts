// The console's files over HTTP: public even with a key set, right types, ETags, a strict CSP, no escapes.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_DIR } from "../src/console/assets.js";
import { startTestServer, type TestServer } from "./harness.js";

const BUILT = new URL("../dist/console/assets.js", import.meta.url);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ turns: [], apiKey: "console-route-key" });
});
afterAll(async () => {
  await t.close();
});

describe("GET / and /console/:file", () => {
  it("serves the page without a key, with a CSP that allows no inline code", async () => {
    const response = await fetch(`${t.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const html = await response.text();
    // every script is an external module; no inline handlers
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
  });

  it("serves each file the page links with its type, and revalidates with the ETag", async () => {
    const html = await (await fetch(`${t.url}/`)).text();
    const linked = [...html.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1]);
    expect(linked).toEqual(expect.arrayContaining(["/console/app.js", "/console/base.css"]));
    for (const path of new Set(linked)) {
      const response = await fetch(`${t.url}${path}`);
      expect(response.status, path).toBe(200);
      const type = response.headers.get("content-type") ?? "";
      if (path?.endsWith(".js")) expect(type).toBe("text/javascript; charset=utf-8");
      if (path?.endsWith(".css")) expect(type).toBe("text/css; charset=utf-8");
      if (path?.endsWith(".svg")) expect(type).toBe("image/svg+xml");
      const etag = response.headers.get("etag") ?? "";
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${t.url}${path}`, { headers: { "if-none-match": etag } });
      expect(again.status, path).toBe(304);
    }
  });

  it("every module the page imports is served (no missing import)", async () => {
    const seen = new Set<string>();
    const queue = ["app.js"];
    while (queue.length > 0) {
      const name = queue.shift() ?? "";
      if (seen.has(name)) continue;
      seen.add(name);
      const response = await fetch(`${t.url}/console/${name}`);
      expect(response.status, name).toBe(200);
      const source = await response.text();
      for (const m of source.matchAll(/from "\.\/([a-z0-9-]+\.js)"/g)) queue.push(m[1] ?? "");
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it("serves nothing else: no traversal, no page under a second address, no source maps", async () => {
    for (const path of [
      "/console/index.html",
      "/console/..%2Fpackage.json",
      "/console/%2e%2e%2fpackage.json",
      "/console/missing.js",
      "/console/APP.JS",
    ]) {
      const response = await fetch(`${t.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { code: string }).code).toBe("NOT_FOUND");
    }
  });

  it("keeps the API itself behind the key", async () => {
    expect((await fetch(`${t.url}/runs`)).status).toBe(401);
    expect((await fetch(`${t.url}/console-not-public`)).status).toBe(401);
    const ok = await fetch(`${t.url}/runs`, {
      headers: { authorization: "Bearer console-route-key" },
    });
    expect(ok.status).toBe(200);
  });
});

describe.skipIf(!existsSync(BUILT))("the built server (dist; skipped before a build)", () => {
  it("finds the same console directory from dist/ as from src/", async () => {
    const built = (await import(BUILT.href)) as { CONSOLE_DIR: URL };
    expect(built.CONSOLE_DIR.href).toBe(CONSOLE_DIR.href);
    expect(existsSync(new URL("index.html", built.CONSOLE_DIR))).toBe(true);
  });
});
