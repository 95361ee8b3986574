// OpenTelemetry traces end to end: a real server exporting OTLP/HTTP JSON to a receiver on loopback,
// scripted runs of the real runner in real local sandboxes, the model double behind the host's
// gateway; spans checked by name, parent and attribute.
import { randomBytes } from "node:crypto";
import { startTracing, type Tracing } from "@sandcaster/core";
import type { RunRecord } from "@sandcaster/protocol";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "@sandcaster/testkit";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const PG_URL = process.env.SANDCASTER_TEST_DATABASE_URL;
if (!PG_URL && process.env.SANDCASTER_REQUIRE_POSTGRES === "1") {
  throw new Error("SANDCASTER_REQUIRE_POSTGRES=1 but SANDCASTER_TEST_DATABASE_URL is not set");
}
if (!PG_URL) {
  console.log(
    "traces.test: the two-instance case needs PostgreSQL (set SANDCASTER_TEST_DATABASE_URL)",
  );
}

const MODEL = "claude-haiku-4-5";
const PROMPT = "write hello.txt (secret-prompt-marker)";
const TOOL_THEN_ANSWER = [
  {
    text: "Let me write the file.",
    toolCalls: [{ name: "bash", input: { command: "echo tool-output-marker > hello.txt" } }],
    usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 },
  },
  { text: "Done: answer-marker.", usage: { inputTokens: 1200, outputTokens: 50 } },
];

let receiver: OtlpReceiver;
let tracing: Tracing;
const servers: TestServer[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The exporter reads these itself, as it does on a real server.
  vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
  vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
  vi.stubEnv("OTEL_SERVICE_NAME", "sandcaster-test");
  const started = await startTracing(process.env, { name: "sandcaster", version: "test" });
  if (!started) throw new Error("tracing did not start with an endpoint set");
  tracing = started;
});

afterAll(async () => {
  await tracing?.shutdown();
  await receiver?.close();
  vi.unstubAllEnvs();
});

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(options: Partial<Parameters<typeof startTestServer>[0]> = {}) {
  const started = await startTestServer({ turns: TOOL_THEN_ANSWER, tracing, ...options });
  servers.push(started);
  return started;
}

async function record(url: string, runId: string): Promise<RunRecord> {
  const response = await fetch(new URL(`/runs/${runId}`, url));
  expect(response.status).toBe(200);
  return (await response.json()) as RunRecord;
}

/** The spans of one trace once its run span has arrived (everything else ended before it). */
async function traceOf(traceId: string, more: (spans: ReceivedSpan[]) => boolean = () => true) {
  await tracing.flush();
  const of = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
  await receiver.waitFor((spans) => {
    const mine = of(spans);
    return mine.some((span) => span.name === "invoke_agent") && more(mine);
  });
  return of(receiver.spans);
}

function one(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0] as ReceivedSpan;
}

/** The pool has no event for "filled": polled, bounded. */
async function until(check: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const randomHex = (bytes: number) => randomBytes(bytes).toString("hex");

/**
 * A database of its own: the shared test database may hold other branches' migrations, which this
 * branch's migrator would refuse (and ours would confuse theirs). Dropped at the end.
 */
async function scratchDatabase(url: string) {
  const name = `sandcaster_traces_${randomHex(6)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

describe("traces of a run", () => {
  it("one trace per run: request, invoke_agent, phases, model and tool calls; no content", async () => {
    const logLines: string[] = [];
    const t = await server({ logLines });
    const response = await postQuery(t.url, { prompt: PROMPT, model: MODEL });
    expect(response.status).toBe(200);
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(events.at(-1)?.data.type).toBe("result");

    const { traceId } = await record(t.url, runId);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = await traceOf(traceId ?? "");

    const request = one(spans, "POST /query");
    expect(request.kind).toBe(2); // SERVER
    expect(request.parentSpanId).toBeUndefined();
    expect(request.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/query",
      "http.response.status_code": 200,
    });
    expect(request.resource["service.name"]).toBe("sandcaster-test");

    const run = one(spans, "invoke_agent");
    expect(run.parentSpanId).toBe(request.spanId);
    expect(run.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.id": runId,
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": MODEL,
      "gen_ai.usage.input_tokens": 2200,
      "gen_ai.usage.output_tokens": 150,
      "sandcaster.run.status": "completed",
      "sandcaster.sandbox.provider": "local",
    });
    expect(run.attributes["sandcaster.cost_usd"]).toBeGreaterThan(0);
    expect(run.statusCode).not.toBe(2);

    for (const phase of [
      "sandbox.acquire",
      "sandbox.stage",
      "runner.exec",
      "artifacts.collect",
      "sandbox.teardown",
    ]) {
      expect(one(spans, phase).parentSpanId, phase).toBe(run.spanId);
    }
    expect(one(spans, "sandbox.acquire").attributes["sandcaster.sandbox.start"]).toBe("cold");
    expect(one(spans, "artifacts.collect").attributes["sandcaster.artifacts.count"]).toBe(1);

    // Model calls as the host's gateway proxied and metered them, in the order they were made.
    const chats = spans
      .filter((span) => span.name === `chat ${MODEL}`)
      .sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    expect(chats.map((chat) => chat.attributes["gen_ai.usage.input_tokens"])).toEqual([1000, 1200]);
    expect(chats.map((chat) => chat.attributes["gen_ai.usage.output_tokens"])).toEqual([100, 50]);
    for (const chat of chats) {
      expect(chat.parentSpanId).toBe(run.spanId);
      expect(chat.kind).toBe(3); // CLIENT
      expect(chat.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": MODEL,
        "sandcaster.measured_by": "gateway",
      });
      expect(chat.attributes["sandcaster.cost_usd"]).toBeGreaterThan(0);
      expect(chat.statusCode).not.toBe(2);
    }
    // The calls' costs add up to the run's.
    const callsCost = chats.reduce(
      (sum, chat) => sum + Number(chat.attributes["sandcaster.cost_usd"]),
      0,
    );
    expect(callsCost).toBeCloseTo(Number(run.attributes["sandcaster.cost_usd"]), 9);
    const tool = one(spans, "execute_tool bash");
    expect(tool.parentSpanId).toBe(run.spanId);
    expect(tool.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "bash",
      "sandcaster.measured_by": "runner",
    });
    // The tool ran while the first model call's turn was over and before the second call began.
    const [first, second] = chats;
    expect(tool.startNs >= (first?.startNs ?? 0n)).toBe(true);
    expect(tool.endNs <= (second?.startNs ?? 0n)).toBe(true);

    // Nothing of the prompt, the answer or the tool's input/output without the operator's opt-in.
    const text = JSON.stringify(spans.map((span) => span.attributes));
    for (const marker of ["secret-prompt-marker", "answer-marker", "tool-output-marker"]) {
      expect(text).not.toContain(marker);
    }
    // Every log line of the run carries its trace id.
    const runLines = logLines.map((line) => JSON.parse(line)).filter((l) => l.runId === runId);
    expect(runLines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["sandbox ready", "run finished", "request"]),
    );
    for (const line of runLines) expect(line.traceId, line.msg).toBe(traceId);
    expect(receiver.rejected).toBe(0);
  });

  it("joins the caller's trace from its traceparent", async () => {
    const t = await server();
    const callerTrace = randomHex(16);
    const callerSpan = randomHex(8);
    const response = await postQuery(
      t.url,
      { prompt: PROMPT, model: MODEL },
      { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    );
    const runId = response.headers.get("x-run-id") ?? "";
    await readEvents(response);
    expect((await record(t.url, runId)).traceId).toBe(callerTrace);
    const spans = await traceOf(callerTrace);
    const request = one(spans, "POST /query");
    expect(request.parentSpanId).toBe(callerSpan);
    expect(one(spans, "invoke_agent").parentSpanId).toBe(request.spanId);
    expect(spans.filter((span) => span.name === `chat ${MODEL}`)).toHaveLength(2);
  });

  it("a run that waited in the queue keeps its caller's trace id on its record", async () => {
    const t = await server({
      turns: [{ text: "slow", delayMs: 60_000 }, { text: "the queued run ran" }],
      config: { limits: { maxConcurrentRuns: 1, maxQueuedRuns: 4, queueTimeoutSecs: 60 } },
    });
    const holder = await postQuery(t.url, { prompt: "hold the slot", model: MODEL });
    const holderId = holder.headers.get("x-run-id") ?? "";
    // Read to its end in the background: a client that left would cancel it.
    void readEvents(holder).catch(() => undefined);
    await until(() => t.double.requests.length >= 1);
    const callerTrace = randomHex(16);
    const queued = await postQuery(
      t.url,
      { prompt: "wait your turn", model: MODEL },
      { traceparent: `00-${callerTrace}-${randomHex(8)}-01` },
    );
    const runId = queued.headers.get("x-run-id") ?? "";
    const ended = readEvents(queued);
    // Recorded while it waits, before its trace began.
    expect((await record(t.url, runId)).traceId).toBeUndefined();
    await fetch(new URL(`/runs/${holderId}/cancel`, t.url), { method: "POST" });
    const events = await ended;
    expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "the queued run ran" });
    expect((await record(t.url, runId)).traceId).toBe(callerTrace);
  });

  it("a pooled sandbox is told apart from a cold one", async () => {
    const t = await server({ pool: { size: 1 } });
    const pool = t.pools[0];
    if (!pool) throw new Error("no pool");
    await until(() => pool.stats().ready === 1);
    const response = await postQuery(t.url, { prompt: PROMPT, model: MODEL });
    const runId = response.headers.get("x-run-id") ?? "";
    await readEvents(response);
    expect(pool.stats()).toMatchObject({ hits: 1 });
    const spans = await traceOf((await record(t.url, runId)).traceId ?? "");
    expect(one(spans, "sandbox.acquire").attributes["sandcaster.sandbox.start"]).toBe("pooled");
  });

  it("records prompts, answers and tool calls only when the operator opts in", async () => {
    const t = await server({ config: { telemetry: { recordContent: true } } });
    const response = await postQuery(t.url, { prompt: PROMPT, model: MODEL });
    const runId = response.headers.get("x-run-id") ?? "";
    await readEvents(response);
    const spans = await traceOf((await record(t.url, runId)).traceId ?? "");
    const run = one(spans, "invoke_agent");
    expect(String(run.attributes["gen_ai.input.messages"])).toContain("secret-prompt-marker");
    expect(String(run.attributes["gen_ai.output.messages"])).toContain("answer-marker");
    const tool = one(spans, "execute_tool bash");
    expect(String(tool.attributes["gen_ai.tool.call.arguments"])).toContain("tool-output-marker");
  });

  it.skipIf(!PG_URL)(
    "two instances on PostgreSQL: a run on A followed from B is one trace",
    async () => {
      const database = await scratchDatabase(PG_URL ?? "");
      onTestFinished(() => database.drop());
      const a = await server({ databaseUrl: database.url, instanceId: "instance-a" });
      const b = await server({ databaseUrl: database.url, instanceId: "instance-b" });
      const callerTrace = randomHex(16);
      const traceparent = `00-${callerTrace}-${randomHex(8)}-01`;
      const leave = new AbortController();
      const started = await postQuery(
        a.url,
        { prompt: PROMPT, model: MODEL, onDisconnect: "continue" },
        { traceparent },
        leave.signal,
      );
      const runId = started.headers.get("x-run-id") ?? "";
      // Leave A once the agent is at work (the run is recorded by then); the run goes on there.
      await readEvents(started, { until: (event) => event.data.type === "tool_use" }).catch(
        () => [],
      );
      leave.abort();
      const followed = await fetch(new URL(`/runs/${runId}/events`, b.url), {
        headers: { traceparent },
      });
      expect(followed.status).toBe(200);
      const events = await readEvents(followed);
      expect(events.at(-1)?.data.type).toBe("result");
      // B reads A's record from the shared store: the trace id is there.
      expect((await record(b.url, runId)).traceId).toBe(callerTrace);
      const spans = await traceOf(callerTrace, (mine) =>
        mine.some((span) => span.name === "GET /runs/:id/events"),
      );
      expect(one(spans, "invoke_agent").attributes["gen_ai.agent.id"]).toBe(runId);
      expect(one(spans, "GET /runs/:id/events").attributes["http.response.status_code"]).toBe(200);
      expect(spans.filter((span) => span.name === `chat ${MODEL}`)).toHaveLength(2);
    },
  );
});
