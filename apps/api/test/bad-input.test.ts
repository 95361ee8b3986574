// Bad input gets a clear 4xx with a JSON body naming the field; the server keeps serving.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery } from "./sse.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    turns: [],
    apiKey: "correct-horse-battery",
    bodyLimitBytes: 64 * 1024,
  });
});
afterAll(async () => {
  await t.close();
});

const auth = { authorization: "Bearer correct-horse-battery" };

async function expectError(response: Response, status: number, field?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = (await response.json()) as {
    error: string;
    code: string;
    details?: { field: string }[];
  };
  expect(body.error).toEqual(expect.any(String));
  expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f-]{36}$/);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
  if (field) expect(body.details?.map((d) => d.field)).toContain(field);
  return body;
}

describe("request ids", () => {
  it("echoes a caller's safe x-request-id and replaces an unsafe one", async () => {
    const own = await fetch(`${t.url}/runs/nope`, {
      headers: { ...auth, "x-request-id": "trace-42.a:b" },
    });
    expect(own.status).toBe(404);
    expect(own.headers.get("x-request-id")).toBe("trace-42.a:b");
    const unsafe = await fetch(`${t.url}/health`, { headers: { "x-request-id": "a b<script>" } });
    expect(unsafe.headers.get("x-request-id")).toMatch(/^req_/);
  });
});

describe("POST /query bad input", () => {
  it("malformed JSON → 400", async () => {
    const body = await expectError(await postQuery(t.url, "{ nope", auth), 400);
    expect(body.code).toBe("INVALID_JSON");
  });

  it("wrong types → 400 naming each field", async () => {
    const body = await expectError(
      await postQuery(t.url, { prompt: 42, timeout: "soon", maxTurns: 0 }, auth),
      400,
    );
    expect(body.details?.map((d) => d.field).sort()).toEqual(["maxTurns", "prompt", "timeout"]);
  });

  it("missing prompt → 400", async () => {
    await expectError(await postQuery(t.url, {}, auth), 400, "prompt");
  });

  it("path traversal in files → 400", async () => {
    await expectError(
      await postQuery(t.url, { prompt: "x", files: { "../../etc/passwd": "x" } }, auth),
      400,
      "files.../../etc/passwd",
    );
  });

  it("unknown sandboxProvider → 400", async () => {
    await expectError(
      await postQuery(t.url, { prompt: "x", sandboxProvider: "nimbus" }, auth),
      400,
      "sandboxProvider",
    );
  });

  it("providers upstream names that this server does not run → 400 saying so, listing ours", async () => {
    const cases = [
      { sandboxProvider: "vercel", field: "sandboxProvider", ours: "local, docker, e2b" },
      { sandboxProvider: "cloudflare", field: "sandboxProvider", ours: "local, docker, e2b" },
      { provider: "vertex", field: "provider", ours: "anthropic, openai, google, openrouter" },
      { provider: "bedrock", field: "provider", ours: "anthropic, openai, google, openrouter" },
    ];
    for (const { field, ours, ...given } of cases) {
      const res = await postQuery(t.url, { prompt: "x", ...given }, auth);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { details: { field: string; message: string }[] };
      const detail = body.details.find((d) => d.field === field);
      const name = Object.values(given)[0];
      expect(detail?.message).toBe(
        `"${name}" is a ${field === "provider" ? "model" : "sandbox"} provider of upstream Sandcaster that this server does not run; this server supports ${ours}`,
      );
    }
  });

  it("a provider this server lacks → 400", async () => {
    await expectError(
      await postQuery(t.url, { prompt: "x", sandboxProvider: "e2b" }, auth),
      400,
      "sandboxProvider",
    );
  });

  it("unknown field → 400", async () => {
    await expectError(
      await postQuery(t.url, { prompt: "x", notARealField: [] }, auth),
      400,
      "notARealField",
    );
  });

  it("composite above the server's ceiling → 400 naming the field", async () => {
    await expectError(
      await postQuery(t.url, { prompt: "x", composite: { maxSandboxes: 5 } }, auth),
      400,
      "composite.maxSandboxes",
    );
  });

  it("an outputFormat.schema nested 20,000 deep → 400 naming the field", async () => {
    const depth = 20_000;
    const raw = `{"prompt":"p","outputFormat":{"type":"json_schema","schema":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}}`;
    const body = await expectError(await postQuery(t.url, raw, auth), 400, "outputFormat.schema");
    expect(JSON.stringify(body)).toContain("deeper than 32");
  });

  it("oversized body → 413", async () => {
    const body = await expectError(
      await postQuery(t.url, { prompt: "x".repeat(100 * 1024) }, auth),
      413,
    );
    expect(body.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("oversized chunked body (no Content-Length) → 413", async () => {
    const chunk = new TextEncoder().encode(`{"prompt":"${"x".repeat(100 * 1024)}"}`);
    const response = await fetch(new URL("/query", t.url), {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(chunk);
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    const body = await expectError(response, 413);
    expect(body.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("a chunked body within the limit is read", async () => {
    const response = await fetch(new URL("/query", t.url), {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"prompt": 42}'));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    // Parsed and validated: the wrong type is named, so the body was read.
    await expectError(response, 400, "prompt");
  });

  it("wrong content type → 415", async () => {
    const response = await fetch(new URL("/query", t.url), {
      method: "POST",
      headers: { "content-type": "text/plain", ...auth },
      body: "hello",
    });
    await expectError(response, 415);
  });

  it("missing or wrong bearer token → 401", async () => {
    const missing = await expectError(await postQuery(t.url, { prompt: "x" }), 401);
    expect(missing.code).toBe("UNAUTHORIZED");
    await expectError(
      await postQuery(t.url, { prompt: "x" }, { authorization: "Bearer wrong" }),
      401,
    );
    await expectError(await fetch(new URL("/runs", t.url)), 401);
  });

  it("/health is public, unknown routes are JSON 404s, bad /runs queries 400", async () => {
    const health = await fetch(new URL("/health", t.url));
    expect(await health.json()).toEqual({ status: "ok", version: "test" });
    await expectError(await fetch(new URL("/nope", t.url), { headers: auth }), 404);
    await expectError(
      await fetch(new URL("/runs?limit=1000", t.url), { headers: auth }),
      400,
      "limit",
    );
    await expectError(
      await fetch(new URL("/runs?cursor=zzz", t.url), { headers: auth }),
      400,
      "cursor",
    );
    await expectError(await fetch(new URL("/runs/run_missing", t.url), { headers: auth }), 404);
  });

  it("records nothing and starts no model call for refused requests", async () => {
    expect(t.double.requests).toHaveLength(0);
    expect((await t.store.listRuns({ limit: 10 })).runs).toHaveLength(0);
  });
});
