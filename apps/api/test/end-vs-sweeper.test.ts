// The soak's status mismatches, made deterministic: a run's end is pending in the outbox (the store
// is away) when another instance's sweeper declares the run lost (its server stopped stamping it).
// Before, the client had been shown `result` and the store then said SERVER_LOST. A client is only
// shown an end the store holds: here the sweeper's, so the stream, the replay and the record agree.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActiveRuns,
  createDurableRunStore,
  createProviderSelector,
  createSqliteRunStore,
  type DurableRunStore,
  type RunStore,
} from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import {
  createScriptedSandboxProvider,
  typicalRunLines,
  withStoreOutage,
} from "@sandcaster/testkit";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { type RunningServer, startServer } from "../src/server.js";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

const SERVER_LOST = { code: "SERVER_LOST", message: "the server running this run stopped" };

/** A resolvable promise: the test waits on these, never on the clock. */
function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

interface Harness {
  url: string;
  /** The database as the other instance sees it (never down). */
  other: RunStore;
  /** Every call of this instance's store fails as a dead PostgreSQL connection does while true. */
  setDown(down: boolean): void;
  /** Resolves when this instance asks its store to record the run's outcome. */
  finishing: Promise<void>;
  /** Lets the runner print its result. */
  release(): void;
  /** The runner printed everything but its result. */
  holding: Promise<void>;
  close(): Promise<void>;
}

let harness: Harness;

async function startHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-end-sweeper-"));
  const other = createSqliteRunStore({ path: join(dir, "runs.db") });
  await other.migrate();
  const real = createSqliteRunStore({ path: join(dir, "runs.db") });
  let down = false;
  const finishing = signal();
  const flaky = withStoreOutage(real, { down: () => down });

  const durable = createDurableRunStore(flaky, {
    logger: { warn: () => {}, info: () => {} },
    delayMs: 5,
    retryMinMs: 10,
    retryMaxMs: 20,
    settleMs: 60_000,
    stallMs: 60_000,
    closeWaitMs: 1000,
  });
  const store = new Proxy(durable, {
    get(target, key, receiver) {
      if (key === "finishRun") {
        return (...args: Parameters<DurableRunStore["finishRun"]>) => {
          const write = target.finishRun(...args);
          finishing.resolve();
          return write;
        };
      }
      return Reflect.get(target, key, receiver);
    },
  });
  const holding = signal();
  const released = signal();
  const scripted = createScriptedSandboxProvider({
    name: "local",
    lines: async function* () {
      const lines = [...typicalRunLines({ durationMs: 0 })];
      const result = lines.pop();
      yield* lines;
      holding.resolve();
      await released.promise;
      if (result) yield result;
    },
  });
  const config = SandcasterConfigSchema.parse({
    sandboxProvider: "local",
    gateway: { publicUrl: "http://127.0.0.1:9/gateway" },
  });
  const logger = pino({ level: "silent" });
  const activeRuns = new ActiveRuns();
  const app = createApp({
    services: { store, config, logger },
    providers: createProviderSelector({ local: scripted }, "local"),
    activeRuns,
    env: { ANTHROPIC_API_KEY: "sk-ant-end-sweeper-key" },
    version: "end-vs-sweeper",
  });
  const server: RunningServer = await startServer({
    app,
    host: "127.0.0.1",
    port: 0,
    logger,
    activeRuns,
  });
  return {
    url: server.url,
    other,
    setDown: (value) => {
      down = value;
    },
    finishing: finishing.promise,
    release: () => released.resolve(),
    holding: holding.promise,
    async close() {
      down = false;
      released.resolve();
      await server.shutdown(1000);
      await store.close();
      await other.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const frames = (events: ReceivedEvent[]) => events.map((e) => ({ id: e.id, data: e.data }));

describe("a run's end and the lost-run sweeper", () => {
  it("the store goes away as the run ends, another instance declares it lost: the client is shown SERVER_LOST, as the record and the replay say, never the result", async () => {
    const response = await postQuery(harness.url, { prompt: "end meets sweeper" });
    expect(response.status).toBe(200);
    const runId = response.headers.get("x-run-id") ?? "";
    const live = readEvents(response);
    // Everything but the result is streamed (and stored); then the database goes away.
    await harness.holding;
    harness.setDown(true);
    harness.release();
    // The end is queued behind the outage when the other instance's sweeper finds the run silent
    // (this one's stamps stopped: it was shutting down, or its store was away too long).
    await harness.finishing;
    const lost = await harness.other.failStaleRuns(
      new Date(Date.now() + 60_000),
      SERVER_LOST,
      new Date(),
    );
    expect(lost).toStrictEqual([runId]);
    // The database is back: the queued end finds the run ended, and is dropped.
    harness.setDown(false);
    const seen = await live;
    const last = seen.at(-1);
    expect(last?.data).toMatchObject({ type: "error", code: "SERVER_LOST" });
    expect(seen.some((e) => e.data.type === "result")).toBe(false);
    const record = await harness.other.getRun(runId);
    expect(record).toMatchObject({ status: "error", errorCode: "SERVER_LOST" });
    // The replay holds what the client saw, with the same ids, and ends the same way.
    const replay = await readEvents(await fetch(new URL(`/runs/${runId}/events`, harness.url)));
    expect(frames(replay)).toStrictEqual(frames(seen));
  }, 60_000);

  it("the store comes back before any sweep: the client is shown its result once stored, and the record agrees", async () => {
    const response = await postQuery(harness.url, { prompt: "end waits for the store" });
    const runId = response.headers.get("x-run-id") ?? "";
    const live = readEvents(response);
    await harness.holding;
    harness.setDown(true);
    harness.release();
    await harness.finishing;
    harness.setDown(false);
    const seen = await live;
    expect(seen.at(-1)?.data).toMatchObject({ type: "result" });
    // A sweep now finds nothing to end: the run ended with the result its client saw.
    expect(
      await harness.other.failStaleRuns(new Date(Date.now() + 60_000), SERVER_LOST, new Date()),
    ).toStrictEqual([]);
    expect(await harness.other.getRun(runId)).toMatchObject({ status: "completed" });
    const replay = await readEvents(await fetch(new URL(`/runs/${runId}/events`, harness.url)));
    expect(frames(replay)).toStrictEqual(frames(seen));
  }, 60_000);
});
