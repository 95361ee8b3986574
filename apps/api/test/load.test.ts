// Load: 1,000 concurrent SSE streams through a real server whose sandboxes are scripted (no
// processes), then overload past the run limit: clean 429s, the accepted runs complete, no 5xx.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActiveRuns,
  createProviderSelector,
  createRunStore,
  type SandboxProvider,
} from "@sandcaster/core";
import { type SandcasterConfigInput, SandcasterConfigSchema } from "@sandcaster/protocol";
import {
  createScriptedSandboxProvider,
  type ScriptedSandboxProvider,
  typicalRunLines,
} from "@sandcaster/testkit";
import { pino } from "pino";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { startServer } from "../src/server.js";
import { type ReceivedEvent, readEvents } from "./sse.js";

const STREAMS = 1000;
/** Per stream: init, sandbox_ready, then the script's 19 lines (agent_start … result). */
const EVENTS_PER_RUN = 21;
const RUN_MS = 3000;
const MB = 1024 * 1024;
/** Runs whose prompt starts with this wait (at most HOLD_LIMIT_MS) until all are open. */
const TOGETHER = "together ";
const HOLD_LIMIT_MS = 30_000;

interface LoadServer {
  url: string;
  scripted: ScriptedSandboxProvider;
  activeRuns: ActiveRuns;
  /** Lets every TOGETHER run go on. */
  release(): void;
  close(): Promise<void>;
}

/**
 * Runs whose prompt starts with TOGETHER print agent_start, then wait for `release()` (at most
 * HOLD_LIMIT_MS) before the rest of their script, so that every stream is open at the same time.
 */
async function startLoadServer(
  limits: SandcasterConfigInput["limits"],
  runMs: number,
): Promise<LoadServer> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-load-"));
  const store = createRunStore({ sqlitePath: join(dir, "runs.db") });
  await store.migrate();
  const config = SandcasterConfigSchema.parse({
    sandboxProvider: "local",
    limits,
    // Scripted sandboxes have no host socket dir (they never call a model): the gateway is only
    // opened for them, at a URL nothing dials.
    gateway: { publicUrl: "http://127.0.0.1:9/gateway" },
  });
  const logger = pino({ level: "silent" });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const scripted = createScriptedSandboxProvider({
    name: "local",
    lines: async function* (_runId, context) {
      const [first, ...rest] = typicalRunLines({ durationMs: runMs });
      if (first) yield first;
      if (String(context.runnerConfig?.prompt).startsWith(TOGETHER)) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          released,
          new Promise((resolve) => {
            timer = setTimeout(resolve, HOLD_LIMIT_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      yield* rest;
    },
  });
  // The scripted provider must satisfy core's contract (testkit restates it; this catches drift).
  const asCoreProvider: SandboxProvider = scripted;
  const activeRuns = new ActiveRuns();
  const app = createApp({
    services: { store, config, logger },
    providers: createProviderSelector({ local: asCoreProvider }, "local"),
    activeRuns,
    env: { ANTHROPIC_API_KEY: "sk-ant-load-test-key" },
    version: "load-test",
  });
  const server = await startServer({ app, host: "127.0.0.1", port: 0, logger, activeRuns });
  return {
    url: server.url,
    scripted,
    activeRuns,
    release,
    async close() {
      await server.shutdown(1000);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Outcome {
  status: number;
  events: ReceivedEvent[];
  body?: unknown;
  retryAfter?: string | null;
  contentType?: string | null;
  error?: string;
  /** ms from sending the request to its response headers */
  headersMs?: number;
}

/**
 * At most `limit` requests between sending and their response headers. A burst of connects larger
 * than the listen backlog (Node's default: 511) overflows the accept queue, and the kernel's SYN
 * retransmits (1, 3, 7, 15 s) then dominate what is measured: ramp up below it instead.
 */
function connectGate(limit: number) {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  return {
    async enter(): Promise<() => void> {
      if (inFlight >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else inFlight++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        const next = waiting.shift();
        if (next) next();
        else inFlight--;
      };
    },
  };
}

const ungated = { enter: async () => () => {} };

async function query(
  url: string,
  agent: Agent,
  prompt: string,
  gate: { enter(): Promise<() => void> } = ungated,
  onEvent?: (event: ReceivedEvent) => void,
): Promise<Outcome> {
  const leave = await gate.enter();
  const started = performance.now();
  try {
    const response = await undiciFetch(new URL("/query", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt }),
      dispatcher: agent,
      signal: AbortSignal.timeout(45_000),
    });
    leave();
    if (response.status !== 200) {
      return {
        status: response.status,
        events: [],
        retryAfter: response.headers.get("retry-after"),
        contentType: response.headers.get("content-type"),
        body: await response.json(),
      };
    }
    const headersMs = performance.now() - started;
    const events = await readEvents(response as unknown as Response, {
      started,
      until: (event) => {
        onEvent?.(event);
        return false;
      },
    });
    return { status: 200, events, headersMs };
  } catch (error) {
    return { status: 0, events: [], error: String(error) };
  } finally {
    leave();
  }
}

/** RSS of this process, sampled every 50 ms from now until stop(). */
function rssSampler() {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  return {
    before,
    stop: () => {
      clearInterval(timer);
      return {
        before,
        peak: Math.max(peak, process.memoryUsage.rss()),
        after: process.memoryUsage.rss(),
      };
    },
  };
}

async function eventually(check: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function percentile(values: number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const codeOf = (data: object) => ("code" in data ? String(data.code) : "");

function problemsOf(outcome: Outcome, index: number): string[] {
  const problems: string[] = [];
  const where = `stream ${index}`;
  if (outcome.status !== 200) {
    problems.push(
      `${where}: status ${outcome.status} ${outcome.error ?? JSON.stringify(outcome.body)}`,
    );
    return problems;
  }
  // A queued run is answered at once with an unnumbered `queued` event: the run's own are numbered.
  // The scripted "runner" claims usage in its result that the gateway never metered (it calls no
  // model): the run says so in one METERING_MISMATCH warning, which is not part of the script.
  const numbered = outcome.events.filter((e) => e.id);
  const events = numbered.filter((e) => codeOf(e.data) !== "METERING_MISMATCH");
  if (numbered.length - events.length !== 1) {
    problems.push(`${where}: ${numbered.length - events.length} METERING_MISMATCH warnings`);
  }
  const last = events.at(-1)?.data;
  if (last?.type !== "result") problems.push(`${where}: ended with ${JSON.stringify(last)}`);
  const errors = events.filter((e) => e.data.type === "error");
  if (errors.length > 0) problems.push(`${where}: error events ${JSON.stringify(errors[0]?.data)}`);
  const ids = numbered.map((e) => e.id);
  const expected = numbered.map((_, i) => String(i + 1));
  if (ids.join(",") !== expected.join(",")) problems.push(`${where}: ids ${ids.join(",")}`);
  if (events.length !== EVENTS_PER_RUN) problems.push(`${where}: ${events.length} events`);
  return problems;
}

describe("load: 1,000 concurrent streams on a scripted sandbox", () => {
  let server: LoadServer;
  let agent: Agent;

  beforeAll(async () => {
    server = await startLoadServer({ maxConcurrentRuns: 2000, maxQueuedRuns: 0 }, RUN_MS);
    agent = new Agent({ connections: 2000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  });
  afterAll(async () => {
    await agent?.close();
    await server?.close();
  });

  it("streams every run to its result, ids 1..n, no errors, no sandbox left", async () => {
    // Warm the path (runner bundle read, JIT) so the figures are about concurrency.
    const warm = await query(server.url, agent, "warm up");
    expect(problemsOf(warm, -1)).toEqual([]);

    const rss = rssSampler();
    let open = 0;
    let allOpen = () => {};
    const opened = new Promise<void>((resolve) => {
      allOpen = resolve;
    });
    const gate = connectGate(256);
    const started = performance.now();
    const streams = Promise.all(
      Array.from({ length: STREAMS }, (_, i) =>
        query(server.url, agent, `${TOGETHER}${i}`, gate, (event) => {
          if (event.data.type === "system" && event.data.subtype === "agent_start") {
            if (++open === STREAMS) allOpen();
          }
        }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([opened, new Promise((r) => (timer = setTimeout(r, HOLD_LIMIT_MS)))]);
    clearTimeout(timer);
    const openMs = performance.now() - started;
    const openAtOnce = server.activeRuns.size;
    server.release();
    const outcomes = await streams;
    const streamedMs = performance.now() - started - openMs;
    await eventually(() => server.scripted.alive() === 0 && server.activeRuns.size === 0, 10_000);
    const memory = rss.stop();

    const headersMs = outcomes.map((o) => o.headersMs ?? Number.NaN);
    const ms = (value: number) => `${Math.round(value)} ms`;
    console.log(
      `[load] ${STREAMS} streams open at once (${openAtOnce} runs active) after ${ms(openMs)} ` +
        `(headers p50 ${ms(percentile(headersMs, 50))}, p95 ${ms(percentile(headersMs, 95))}); ` +
        `then ${EVENTS_PER_RUN - 3} more events each over ${RUN_MS} ms: all done ${ms(streamedMs)} ` +
        `after the release; RSS before ${(memory.before / MB).toFixed(0)} MB, peak ` +
        `${(memory.peak / MB).toFixed(0)} MB, after ${(memory.after / MB).toFixed(0)} MB ` +
        "(server, 1,000 clients and vitest in one process)",
    );

    const problems = outcomes.flatMap(problemsOf);
    expect(problems.slice(0, 10)).toEqual([]);
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(STREAMS);
    expect(server.scripted.stats()).toMatchObject({
      created: STREAMS + 1,
      destroyed: STREAMS + 1,
      alive: 0,
      running: 0,
    });
    expect(server.activeRuns.size).toBe(0);
    expect(openAtOnce).toBe(STREAMS);
    // 1,000 three-second runs in parallel, not one after the other.
    expect(streamedMs).toBeLessThan(30_000);
    // Above the phases' own limits (open ≤ 30 s, stream ≤ 30 s, drain ≤ 10 s): a slow host fails
    // on the assertion that says which phase was slow, not on a bare timeout.
  }, 120_000);
});

describe("load: overload past the run limit", () => {
  let server: LoadServer;
  let agent: Agent;

  beforeAll(async () => {
    // Runs of 2 s outlast the 1 s queue timeout: 50 run, 10 wait and time out, the rest are
    // refused at once (more are accepted only if the burst arrives over more than 2 s).
    server = await startLoadServer(
      { maxConcurrentRuns: 50, maxQueuedRuns: 10, queueTimeoutSecs: 1 },
      2000,
    );
    agent = new Agent({ connections: 400, headersTimeout: 30_000, bodyTimeout: 30_000 });
  });
  afterAll(async () => {
    await agent?.close();
    await server?.close();
  });

  it("refuses the excess with clean 429s, completes the accepted, stays healthy", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => query(server.url, agent, `burst ${i}`)),
    );
    // A queued run is answered 200 at once; if its wait for a slot times out, its stream ends with an
    // unnumbered TOO_MANY_RUNS error instead of a 429 (it never became a run).
    const queuedOut = (o: Outcome) =>
      o.status === 200 &&
      o.events.every((e) => !e.id) &&
      o.events.some((e) => e.data.type === "error" && codeOf(e.data) === "TOO_MANY_RUNS");
    const accepted = outcomes.filter((o) => o.status === 200 && !queuedOut(o));
    const refusedInQueue = outcomes.filter(queuedOut);
    const refused = outcomes.filter((o) => o.status === 429);
    console.log(
      `[load] burst of 200 against 50 running + 10 queued: ${accepted.length} accepted, ` +
        `${refused.length} refused with 429, statuses ${[...new Set(outcomes.map((o) => o.status))].join(",")}`,
    );

    expect(outcomes.filter((o) => o.status === 0 || o.status >= 500)).toEqual([]);
    expect(accepted.length + refused.length + refusedInQueue.length).toBe(200);
    expect(accepted.length).toBeGreaterThanOrEqual(50);
    expect(refused.length + refusedInQueue.length).toBeGreaterThanOrEqual(100);
    expect(accepted.flatMap(problemsOf)).toEqual([]);
    for (const outcome of refused) {
      expect(outcome.contentType).toContain("application/json");
      expect(Number(outcome.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(outcome.body).toMatchObject({ code: "TOO_MANY_RUNS", error: expect.any(String) });
    }

    const health = await undiciFetch(new URL("/health", server.url), { dispatcher: agent });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    await eventually(() => server.scripted.alive() === 0 && server.activeRuns.size === 0, 10_000);
    expect(server.scripted.alive()).toBe(0);
    expect(server.activeRuns.size).toBe(0);
  }, 60_000);
});
