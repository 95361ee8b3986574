// Browser and standard SSE clients against a real server: CORS for another origin (preflight and a
// real cross-origin page in Chromium), run-scoped stream tokens for EventSource (Chromium's and the
// npm `eventsource` client), and 204 on an ended run so EventSource stops reconnecting.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
// Renamed: inside page.evaluate, `EventSource` must stay the browser's own.
import { EventSource as NodeEventSource } from "eventsource";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamTokens } from "../src/middleware/stream-token.js";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const CHROMIUM = "/usr/bin/chromium";
const chromiumPresent = existsSync(CHROMIUM);
if (!chromiumPresent && process.env.SANDCASTER_REQUIRE_CHROMIUM === "1") {
  throw new Error(
    `SANDCASTER_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing (apt-get install chromium)`,
  );
}
if (!chromiumPresent)
  console.log(`skipped: ${CHROMIUM} is not installed; apt-get install chromium`);

const KEY = "browser-clients-test-key";
const TURNS = Array.from({ length: 10 }, (_, i) => ({ text: `answer ${i + 1}` }));

/** A web app on an origin of its own (another port): only its page, no API. */
async function startWebOrigin(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>another web app</title><p>web app</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

let web: { url: string; server: Server };
let t: TestServer;
let plain: TestServer;
const logLines: string[] = [];

const auth = { authorization: `Bearer ${KEY}` };

async function finishedRun(): Promise<string> {
  const events = await readEvents(await postQuery(t.url, { prompt: "hi" }, auth));
  const first = events[0]?.data;
  return first?.type === "system" ? (first.runId ?? "") : "";
}

async function tokenFor(runId: string): Promise<string> {
  const response = await fetch(`${t.url}/runs/${runId}/stream-token`, {
    method: "POST",
    headers: auth,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

const eventsRequests = (runId: string) =>
  logLines
    .map((line) => JSON.parse(line) as { path?: string; status?: number })
    .filter((entry) => entry.path === `/runs/${runId}/events`)
    .map((entry) => entry.status);

beforeAll(async () => {
  web = await startWebOrigin();
  t = await startTestServer({
    turns: TURNS,
    apiKey: KEY,
    sandbox: "local",
    logLines,
    config: { cors: { origins: [web.url] } },
  });
  plain = await startTestServer({ turns: [], apiKey: KEY, sandbox: "local" });
});

afterAll(async () => {
  await t?.close();
  await plain?.close();
  await new Promise((resolve) => web?.server.close(resolve));
});

describe("CORS", () => {
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/query`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });

  it("answers a listed origin's preflight with exact headers, before auth", async () => {
    const response = await preflight(t.url, web.url);
    expect(response.status).toBe(204);
    const h = response.headers;
    expect(h.get("access-control-allow-origin")).toBe(web.url);
    expect(h.get("access-control-allow-methods")).toBe("GET,POST,DELETE,OPTIONS");
    expect(h.get("access-control-allow-headers")).toBe("Authorization,Content-Type,Last-Event-ID");
    expect(h.get("access-control-max-age")).toBe("600");
    expect(h.get("vary")).toContain("Origin");
  });

  it("gives an unlisted origin nothing, and is off when not configured", async () => {
    const other = await preflight(t.url, "http://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const off = await preflight(plain.url, web.url);
    expect(off.headers.get("access-control-allow-origin")).toBeNull();
    expect(off.headers.get("access-control-allow-methods")).toBeNull();
    // Without CORS the preflight is just an unauthenticated request.
    expect(off.status).toBe(401);
  });

  it("exposes X-Run-Id on real answers to the listed origin", async () => {
    const response = await postQuery(t.url, { prompt: "hi" }, { ...auth, origin: web.url });
    expect(response.headers.get("access-control-allow-origin")).toBe(web.url);
    expect(response.headers.get("access-control-expose-headers")).toContain("X-Run-Id");
    await readEvents(response);
  });
});

describe("stream tokens", () => {
  it("open only GET /runs/:id/events of their own run", async () => {
    const runId = await finishedRun();
    const otherId = await finishedRun();
    const token = await tokenFor(runId);
    const events = (id: string, tok: string) =>
      fetch(`${t.url}/runs/${id}/events?token=${encodeURIComponent(tok)}`);

    const ok = await events(runId, token);
    expect(ok.status).toBe(200);
    expect((await readEvents(ok)).at(-1)?.data.type).toBe("result");

    const wrongRun = await events(otherId, token);
    expect(wrongRun.status).toBe(403);
    expect(await wrongRun.json()).toMatchObject({ code: "FORBIDDEN" });

    const garbage = await events(runId, "not.a.token");
    expect(garbage.status).toBe(401);
    // The API key is never accepted in a URL.
    expect((await events(runId, KEY)).status).toBe(401);
    // Other routes of the same run want the key.
    expect((await fetch(`${t.url}/runs/${runId}?token=${token}`)).status).toBe(401);
    const cancel = await fetch(`${t.url}/runs/${runId}/cancel?token=${token}`, { method: "POST" });
    expect(cancel.status).toBe(401);
    const mint = await fetch(`${t.url}/runs/${runId}/stream-token?token=${token}`, {
      method: "POST",
    });
    expect(mint.status).toBe(401);
    // The token never reaches the logs (the request log has the path, not the query).
    expect(logLines.join("\n")).not.toContain(token);
  });

  it("expire", async () => {
    const runId = await finishedRun();
    // Signed with the server's key-derived secret, but issued an hour ago with a 60 s life.
    const past = streamTokens(KEY, 60, () => Date.now() - 3_600_000);
    const { token } = await past.issue(runId);
    const response = await fetch(`${t.url}/runs/${runId}/events?token=${token}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toContain("expired");
    const fresh = await fetch(`${t.url}/runs/${runId}/stream-token`, {
      method: "POST",
      headers: auth,
    });
    const body = (await fresh.json()) as { expiresAt: string; runId: string };
    expect(body.runId).toBe(runId);
    const life = Date.parse(body.expiresAt) - Date.now();
    expect(life).toBeGreaterThan(60_000);
    expect(life).toBeLessThanOrEqual(300_000);
  });

  it("are issued only for a run that exists, and only with the key", async () => {
    const missing = await fetch(`${t.url}/runs/run_nope/stream-token`, {
      method: "POST",
      headers: auth,
    });
    expect(missing.status).toBe(404);
    expect((await fetch(`${t.url}/runs/run_nope/stream-token`, { method: "POST" })).status).toBe(
      401,
    );
  });
});

describe("the npm eventsource client", () => {
  it("follows a run with a token and stops at the 204 instead of reconnecting", async () => {
    const runId = await finishedRun();
    const token = await tokenFor(runId);
    const source = new NodeEventSource(`${t.url}/runs/${runId}/events?token=${token}`);
    const types: string[] = [];
    for (const type of ["system", "assistant", "result"]) {
      source.addEventListener(type, () => types.push(type));
    }
    const closed = new Promise<number>((resolve) => {
      source.onerror = () => {
        // CONNECTING after the first close (it reconnects), CLOSED after the 204.
        if (source.readyState === NodeEventSource.CLOSED) resolve(source.readyState);
      };
    });
    expect(await closed).toBe(NodeEventSource.CLOSED);
    source.close();
    expect(types[0]).toBe("system");
    expect(types.at(-1)).toBe("result");
    // One replay, one reconnection with Last-Event-ID that got 204, and no more.
    expect(eventsRequests(runId)).toEqual([200, 204]);
  }, 20_000);
});

describe.skipIf(!chromiumPresent)("Chromium on another origin", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("runs a query with the key, then follows it with EventSource and a stream token until 204", async () => {
    const page = await browser.newPage();
    await page.goto(`${web.url}/`);
    const outcome = await page.evaluate(
      async ({ api, key }) => {
        const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
        const query = await fetch(`${api}/query`, {
          method: "POST",
          headers,
          body: JSON.stringify({ prompt: "from another origin" }),
        });
        const body = await query.text();
        const runId = query.headers.get("x-run-id") ?? "";
        const minted = await fetch(`${api}/runs/${runId}/stream-token`, {
          method: "POST",
          headers,
        });
        const { token } = (await minted.json()) as { token: string };
        const source = new EventSource(`${api}/runs/${runId}/events?token=${token}`);
        const types: string[] = [];
        let opens = 0;
        for (const type of ["system", "assistant", "result"]) {
          source.addEventListener(type, () => types.push(type));
        }
        source.onopen = () => {
          opens += 1;
        };
        const state = await new Promise<number>((resolve) => {
          source.onerror = () => {
            if (source.readyState === EventSource.CLOSED) resolve(source.readyState);
          };
        });
        return {
          // (the test's types are Node's: the page's `location` is reached through globalThis)
          origin: (globalThis as unknown as { location: { origin: string } }).location.origin,
          status: query.status,
          runId,
          streamed: body.includes("event: result"),
          types,
          opens,
          state,
        };
      },
      { api: t.url, key: KEY },
    );
    expect(outcome.origin).toBe(web.url);
    expect(outcome.status).toBe(200);
    expect(outcome.runId).toMatch(/^run_/);
    expect(outcome.streamed).toBe(true);
    expect(outcome.types[0]).toBe("system");
    expect(outcome.types.at(-1)).toBe("result");
    expect(outcome.opens).toBe(1);
    expect(outcome.state).toBe(2); // EventSource.CLOSED: no more reconnection
    expect(eventsRequests(outcome.runId)).toEqual([200, 204]);
    // Chromium's default retry is 3 s: still no third request after it.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(eventsRequests(outcome.runId)).toEqual([200, 204]);
    await page.close();
  }, 30_000);

  it("is refused by the browser when the origin is not listed", async () => {
    const page = await browser.newPage();
    await page.goto(`${web.url}/`);
    const result = await page.evaluate(async (api) => {
      try {
        await fetch(`${api}/health`);
        return "read";
      } catch (error) {
        return String(error);
      }
    }, plain.url);
    expect(result).toContain("Failed to fetch");
    await page.close();
  });
});
