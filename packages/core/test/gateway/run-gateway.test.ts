// The run gateway over its Unix socket, against the wire doubles of every provider family:
// the token is swapped for the key, answers stream back unchanged, usage is read off the stream.
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { costOfCall, type ModelProvider } from "@sandcaster/protocol";
import {
  type ModelDouble,
  type ScriptedTurn,
  startAnthropicDouble,
  startGeminiDouble,
  startOpenAIDouble,
} from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type GatewayCall,
  GatewayRegistry,
  openRunGateway,
  type RunGateway,
  upstreamFromEnv,
} from "../../src/gateway/index.js";
import { callSocket, sseData } from "./socket-client.js";

interface Family {
  provider: ModelProvider;
  model: string;
  start(turns: ScriptedTurn[]): Promise<ModelDouble>;
  /** The call an SDK makes, below the gateway's provider segment. */
  path: string;
  body(stream: boolean): Record<string, unknown>;
  /** How the token is presented. */
  auth(token: string): Record<string, string>;
  /** How the double saw the real key. */
  keyIn(headers: Record<string, string>): string | undefined;
}

const FAMILIES: Family[] = [
  {
    provider: "anthropic",
    model: "claude-sonnet-4-6",
    start: (turns) => startAnthropicDouble({ turns }),
    path: "/v1/messages",
    body: (stream) => ({
      model: "claude-sonnet-4-6",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
      stream,
    }),
    auth: (token) => ({ "x-api-key": token }),
    keyIn: (h) => h["x-api-key"],
  },
  {
    provider: "openai",
    model: "gpt-5",
    start: (turns) => startOpenAIDouble({ turns }),
    path: "/chat/completions",
    body: (stream) => ({ model: "gpt-5", messages: [{ role: "user", content: "hi" }], stream }),
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    keyIn: (h) => h.authorization?.replace(/^Bearer /, ""),
  },
  {
    provider: "google",
    model: "gemini-2.5-flash",
    start: (turns) => startGeminiDouble({ turns }),
    path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    body: () => ({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    auth: (token) => ({ "x-goog-api-key": token }),
    keyIn: (h) => h["x-goog-api-key"],
  },
  {
    provider: "openrouter",
    model: "anthropic/claude-sonnet-4.6",
    start: (turns) => startOpenAIDouble({ turns }),
    path: "/chat/completions",
    body: (stream) => ({
      model: "anthropic/claude-sonnet-4.6",
      messages: [{ role: "user", content: "hi" }],
      stream,
    }),
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    keyIn: (h) => h.authorization?.replace(/^Bearer /, ""),
  },
];

const KEY = "sk-real-provider-key-never-in-a-sandbox";
const USAGE = { inputTokens: 1200, outputTokens: 340, cacheReadTokens: 50, cacheWriteTokens: 0 };

let dir: string;
let double: ModelDouble | undefined;
let gateway: RunGateway | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-gw-"));
});
afterEach(async () => {
  await gateway?.close();
  await double?.close();
  gateway = undefined;
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function open(
  family: Family,
  turns: ScriptedTurn[],
  extra: Partial<Parameters<typeof openRunGateway>[0]> = {},
) {
  double = await family.start(turns);
  gateway = await openRunGateway({
    runId: "run-1",
    provider: family.provider,
    upstream: { baseUrl: double.url, key: KEY },
    socketDir: dir,
    ...extra,
  });
  return { double, gateway, socket: gateway.socketPath as string };
}

describe.each(FAMILIES)("gateway for $provider", (family) => {
  it("streams the answer with the key swapped in and meters the usage from the stream", async () => {
    const calls: GatewayCall[] = [];
    const { double, gateway, socket } = await open(
      family,
      [{ text: "hello there", usage: USAGE }],
      {
        onCall: (call) => calls.push(call),
      },
    );
    expect((await stat(socket)).mode & 0o777).toBe(0o666);
    const answer = await callSocket(socket, {
      path: `/${family.provider}${family.path}`,
      headers: family.auth(gateway.token),
      body: family.body(true),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/event-stream/);
    expect(sseData(answer.body).length).toBeGreaterThan(2);
    expect(answer.body).toContain("hel");
    const seen = double.requests[0];
    expect(family.keyIn(seen?.headers ?? {})).toBe(KEY);
    expect(JSON.stringify(seen)).not.toContain(gateway.token);
    expect(gateway.usage()).toEqual(USAGE);
    expect(gateway.costUsd()).toBe(costOfCall(family.model, USAGE));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      runId: "run-1",
      provider: family.provider,
      status: 200,
      usage: USAGE,
    });
  });

  it("passes a provider error through with its status, body and retry advice", async () => {
    const { double, gateway, socket } = await open(family, [
      { error: { status: 429, message: "slow down", retryAfterSecs: 3 } },
      { error: { status: 401, message: "bad key" } },
      { error: { status: 500, message: "boom" } },
    ]);
    for (const status of [429, 401, 500]) {
      const answer = await callSocket(socket, {
        path: `/${family.provider}${family.path}`,
        headers: family.auth(gateway.token),
        body: family.body(true),
      });
      expect(answer.status).toBe(status);
      expect(answer.body).toContain(
        status === 429 ? "slow down" : status === 401 ? "bad key" : "boom",
      );
      if (status === 429 && family.provider !== "google")
        expect(answer.headers["retry-after"]).toBe("3");
    }
    expect(double.requests).toHaveLength(3);
    expect(gateway.usage().inputTokens).toBe(0);
  });
});

describe("gateway refusals", () => {
  const anthropic = FAMILIES[0] as Family;
  const openai = FAMILIES[1] as Family;
  const google = FAMILIES[2] as Family;

  it("refuses a wrong token, another provider, and a revoked token", async () => {
    const { double, gateway, socket } = await open(anthropic, [{ text: "x" }]);
    const wrong = await callSocket(socket, {
      path: "/anthropic/v1/messages",
      headers: { "x-api-key": "sc-gw-guess" },
      body: anthropic.body(true),
    });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({
      type: "error",
      error: { type: "authentication_error" },
    });
    const other = await callSocket(socket, {
      path: "/openai/chat/completions",
      headers: { authorization: `Bearer ${gateway.token}` },
      body: openai.body(true),
    });
    expect(other.status).toBe(403);
    expect(other.body).toContain("GATEWAY_WRONG_PROVIDER");
    expect(double.requests).toHaveLength(0);
    await gateway.close();
    await expect(stat(socket)).rejects.toThrow(/ENOENT/);
  });

  it("lets the token make model calls only, not the key's other uses", async () => {
    const { double, gateway } = await open(openai, [{ text: "x" }]);
    const socket = gateway.socketPath as string;
    const auth = openai.auth(gateway.token);
    for (const [method, path] of [
      ["GET", "/openai/models"],
      ["POST", "/openai/files"],
      ["POST", "/openai/fine_tuning/jobs"],
      ["GET", "/openai/chat/completions"],
      ["POST", "/openai/chat/completions/../../files"],
    ] as const) {
      const answer = await callSocket(socket, { method, path, headers: auth, body: {} });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toContain("GATEWAY_NOT_FOUND");
    }
    expect(double.requests).toHaveLength(0);
  });

  it("holds a run to a few calls at once", async () => {
    // Slow answers keep the first four in flight while the other two arrive.
    const slow = Array.from({ length: 6 }, () => ({ text: "x", delayMs: 3000 }));
    const { double, gateway, socket } = await open(anthropic, slow);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        callSocket(socket, {
          path: "/anthropic/v1/messages",
          headers: anthropic.auth(gateway.token),
          body: anthropic.body(true),
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(double.requests).toHaveLength(4);
  });

  it("accepts Gemini's ?key= and does not forward it", async () => {
    const { double, gateway, socket } = await open(google, [{ text: "x" }]);
    const answer = await callSocket(socket, {
      path: `/google/v1beta/models/gemini-2.5-flash:generateContent?key=${gateway.token}`,
      body: google.body(false),
    });
    expect(answer.status).toBe(200);
    expect(double.requests[0]?.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(gateway.usage()).toEqual({
      inputTokens: 12,
      outputTokens: 7,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it("asks OpenAI for the stream's usage when the client did not, and meters JSON answers", async () => {
    const { double, gateway, socket } = await open(openai, [
      { text: "a", usage: USAGE },
      { text: "b", usage: USAGE },
    ]);
    const streamed = await callSocket(socket, {
      path: "/openai/chat/completions",
      headers: openai.auth(gateway.token),
      body: openai.body(true),
    });
    expect(streamed.status).toBe(200);
    expect(double.requests[0]?.body).toMatchObject({ stream_options: { include_usage: true } });
    const whole = await callSocket(socket, {
      path: "/openai/chat/completions",
      headers: openai.auth(gateway.token),
      body: openai.body(false),
    });
    expect(JSON.parse(whole.body)).toMatchObject({ object: "chat.completion" });
    expect(gateway.usage().outputTokens).toBe(2 * USAGE.outputTokens);
    expect(gateway.calls()).toBe(2);
  });

  it("answers 502 MODEL_CONNECTION_FAILED when the provider cannot be reached", async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    gateway = await openRunGateway({
      runId: "run-2",
      provider: "anthropic",
      upstream: { baseUrl: `http://127.0.0.1:${port}`, key: KEY },
      socketDir: dir,
    });
    const answer = await callSocket(gateway.socketPath as string, {
      path: "/anthropic/v1/messages",
      headers: { "x-api-key": gateway.token },
      body: anthropic.body(true),
    });
    expect(answer.status).toBe(502);
    expect(answer.headers["x-sandcaster-gateway-error"]).toBe("MODEL_CONNECTION_FAILED");
    expect(answer.body).toContain("MODEL_CONNECTION_FAILED");
    expect(answer.body).not.toContain(KEY);
  });

  it("refuses the call that would pass the budget, and says so once", async () => {
    const big = { inputTokens: 1_000_000, outputTokens: 0 };
    const refusals: string[] = [];
    const { double, gateway, socket } = await open(
      anthropic,
      [
        { text: "1", usage: big },
        { text: "2", usage: big },
      ],
      {
        budget: { maxCostUsd: 5 },
        onBudgetExceeded: (r) => refusals.push(r.field),
      },
    );
    const call = () =>
      callSocket(socket, {
        path: "/anthropic/v1/messages",
        headers: anthropic.auth(gateway.token),
        body: anthropic.body(true),
      });
    expect((await call()).status).toBe(200);
    // $3 spent; the next prompt is at least as long ($3 more) and would pass $5.
    const refused = await call();
    expect(refused.status).toBe(402);
    expect(refused.body).toContain("BUDGET_EXCEEDED");
    expect((await call()).status).toBe(402);
    expect(refusals).toEqual(["maxCostUsd"]);
    expect(double.requests).toHaveLength(1);
    expect(gateway.costUsd()).toBe(3);
  });

  it("refuses proxy requests without an egress policy, and hands them to one when given", async () => {
    const { socket } = await open(anthropic, []);
    const proxied = await callSocket(socket, { method: "GET", path: "http://example.invalid/" });
    expect(proxied.status).toBe(403);
    await gateway?.close();
    const seen: string[] = [];
    gateway = await openRunGateway({
      runId: "run-3",
      provider: "anthropic",
      upstream: { key: KEY },
      socketDir: dir,
      egress: {
        handleRequest(req, res) {
          seen.push(req.url ?? "");
          res.writeHead(204).end();
        },
        handleConnect(_req, s) {
          s.end("HTTP/1.1 403 Forbidden\r\n\r\n");
        },
      },
    });
    const handed = await callSocket(gateway.socketPath as string, {
      method: "GET",
      path: "http://allowed.test/x",
    });
    expect(handed.status).toBe(204);
    expect(seen).toEqual(["http://allowed.test/x"]);
  });

  it("serves remote sandboxes through the registry only while the run is open", async () => {
    const registry = new GatewayRegistry();
    double = await anthropic.start([{ text: "x" }]);
    gateway = await openRunGateway({
      runId: "run-4",
      provider: "anthropic",
      upstream: { baseUrl: double.url, key: KEY },
      publicUrl: "https://sandcaster.test/gateway/",
      registry,
    });
    expect(gateway.runner).toMatchObject({
      url: "https://sandcaster.test/gateway",
      provider: "anthropic",
    });
    expect(gateway.socketPath).toBeUndefined();
    expect(registry.find(gateway.token)?.runId).toBe("run-4");
    expect(registry.find(`${gateway.token}x`)).toBeUndefined();
    const token = gateway.token;
    await gateway.close();
    expect(registry.find(token)).toBeUndefined();
  });
});

describe("upstreamFromEnv", () => {
  it("takes the provider's key and configured base URL from the run's model environment", () => {
    expect(upstreamFromEnv("google", { GEMINI_API_KEY: "g-key", OPENAI_API_KEY: "o" })).toEqual({
      key: "g-key",
    });
    expect(upstreamFromEnv("openai", { OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" })).toEqual({
      key: "",
      baseUrl: "http://127.0.0.1:11434/v1",
    });
    expect(upstreamFromEnv("anthropic", { OPENAI_API_KEY: "o" })).toBeUndefined();
  });
});

it("refuses a socket path longer than a Unix socket allows, instead of listening elsewhere", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gw-long-"));
  const deep = join(dir, "d".repeat(120));
  await mkdir(deep);
  try {
    await expect(
      openRunGateway({
        runId: "run_long",
        provider: "anthropic",
        upstream: { key: "sk-test" },
        socketDir: deep,
      }),
    ).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
