// Faults of the store under two instances sharing PostgreSQL (a cluster of the test's own): restarts
// (fast and immediate) with runs in flight and clients reading /runs, and kill -9 of an instance
// mid-run. Zero crashes, replays equal to what clients saw live, statuses that match the terminal
// event, no 500 while the database is away, and SERVER_LOST after exactly the ids a client had.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

// Plain .mjs helpers shared with `npm run soak` (outside this package's sources).
const soak = (file: string) => new URL(`../../../scripts/soak/${file}`, import.meta.url).href;
const { startInstance } = (await import(soak("instance-process.mjs"))) as {
  startInstance: (options: object) => Promise<Instance>;
};
const { clusterUnavailable, createPgCluster } = (await import(soak("pg-cluster.mjs"))) as {
  clusterUnavailable: () => string | undefined;
  createPgCluster: (name: string, port: number) => Promise<PgCluster>;
};

interface PgCluster {
  url: string;
  restart(mode: "fast" | "immediate"): Promise<void>;
  stop(): void;
  start(): Promise<void>;
  psql(sql: string): string;
  drop(): void;
}

interface Instance {
  url: string;
  crashed(): boolean;
  stderr(): string;
  kill(): Promise<void>;
  close(): Promise<void>;
  stats(): Promise<{ alive?: number; running?: number; outbox?: { failingForMs: number } }>;
}

const unavailable = clusterUnavailable();
if (unavailable && process.env.SANDCASTER_REQUIRE_POSTGRES === "1") {
  throw new Error(`SANDCASTER_REQUIRE_POSTGRES=1 but ${unavailable}`);
}
if (unavailable) console.log(`[store-faults] skipped: ${unavailable}`);
/** The issue asks for 10; a laptop may set fewer. */
const ROUNDS = Number(process.env.SANDCASTER_FAULT_ROUNDS ?? 10);
const RUNS_PER_ROUND = 4;

let cluster: PgCluster | undefined;
const instances: Instance[] = [];
let a: Instance;
let b: Instance;

async function instance(id: string): Promise<Instance> {
  const started = await startInstance({
    databaseUrl: cluster?.url,
    instanceId: id,
    heartbeatSecs: 1,
    staleAfterSecs: 3,
  });
  instances.push(started);
  return started;
}

beforeAll(async () => {
  if (unavailable) return;
  cluster = await createPgCluster("sandcaster_faults", 5441);
  a = await instance("a");
  b = await instance("b");
}, 120_000);
afterAll(async () => {
  for (const one of instances) await one.close();
  cluster?.drop();
}, 120_000);

interface LiveRun {
  runId: string;
  seen: ReceivedEvent[];
  done: Promise<ReceivedEvent[]>;
}

async function startRun(url: string, prompt: string): Promise<LiveRun> {
  const response = await postQuery(url, { prompt });
  expect(response.status).toBe(200);
  const seen: ReceivedEvent[] = [];
  const done = readEvents(response, {
    until: (event) => {
      seen.push(event);
      return false;
    },
  });
  return { runId: response.headers.get("x-run-id") ?? "", seen, done };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The run's record once it ended, read through `url` (503s while the store is away are retried). */
async function endedRecord(url: string, runId: string) {
  return until(`run ${runId} to end`, async () => {
    const response = await fetch(new URL(`/runs/${runId}`, url));
    if (response.status !== 200) return undefined;
    const record = (await response.json()) as { status: string; errorCode?: string };
    return record.status === "running" ? undefined : record;
  });
}

/**
 * What an SDK client does when a stream closes without the run's end (its server could not store
 * the end yet): resumes with Last-Event-ID. A run whose record has not landed yet is 404 meanwhile.
 */
async function resumeToEnd(url: string, runId: string, events: ReceivedEvent[]) {
  const isEnd = (e: ReceivedEvent) => e.data.type === "result" || e.data.type === "error";
  if (events.some(isEnd)) return events;
  const resumed = await until(`the end of ${runId}`, async () => {
    const response = await fetch(new URL(`/runs/${runId}/events`, url), {
      headers: { "Last-Event-ID": String(events.at(-1)?.id ?? 0) },
    });
    if (response.status !== 200) return undefined;
    const more = await readEvents(response);
    return more.some(isEnd) ? more : undefined;
  });
  events.push(...resumed);
  return events;
}

const frames = (events: ReceivedEvent[]) => events.map((e) => ({ id: e.id, data: e.data }));

/** Reads /runs, /runs/:id and /runs/:id/events on both instances until stopped; collects 5xx other than 503. */
function pollRoutes(runIds: string[], stop: AbortSignal, failures: string[]): Promise<number> {
  return (async () => {
    let requests = 0;
    while (!stop.aborted) {
      for (const url of [a.url, b.url]) {
        for (const path of [
          "/runs?limit=5",
          ...runIds.flatMap((id) => [`/runs/${id}`, `/runs/${id}/events?after=999999999`]),
        ]) {
          const response = await fetch(new URL(path, url), {
            signal: AbortSignal.timeout(10_000),
          }).catch(() => undefined);
          requests++;
          if (response === undefined) continue;
          if (response.status >= 500 && response.status !== 503) {
            failures.push(`${response.status} ${path}: ${await response.text()}`);
          } else if (response.status === 503) {
            expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
            expect(await response.json()).toMatchObject({ code: "STORE_UNAVAILABLE" });
          } else {
            await response.body?.cancel();
          }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return requests;
  })();
}

function expectStatusMatches(
  record: { status: string; errorCode?: string },
  last: ReceivedEvent["data"] | undefined,
) {
  if (last?.type === "result") expect(record.status).toBe("completed");
  else {
    expect(last?.type).toBe("error");
    const code = last?.type === "error" ? last.code : undefined;
    expect(record.status).toBe(code === "CANCELLED" ? "cancelled" : "error");
    expect(record.errorCode).toBe(code);
  }
}

describe.skipIf(unavailable !== undefined)("store faults on PostgreSQL, two instances", () => {
  it(
    `${ROUNDS} PostgreSQL restarts with runs in flight: no crash, replay = live, status = terminal event, no 500`,
    async () => {
      const failures: string[] = [];
      let requests = 0;
      let runs = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const mode = round % 2 === 0 ? "fast" : "immediate";
        const live = await Promise.all(
          Array.from({ length: RUNS_PER_ROUND }, (_, i) =>
            startRun((i % 2 === 0 ? a : b).url, "typical:2500"),
          ),
        );
        runs += live.length;
        // Every run is under way (its record and first events in flight) when the database goes.
        await until("runs under way", async () =>
          live.every((r) => r.seen.length >= 3) ? true : undefined,
        );
        const stop = new AbortController();
        const polling = pollRoutes(
          live.map((r) => r.runId),
          stop.signal,
          failures,
        );
        await cluster?.restart(mode);
        const ended = await Promise.all(live.map((r) => r.done));
        stop.abort();
        requests += await polling;
        expect(a.crashed() || b.crashed(), `${a.stderr()}${b.stderr()}`).toBe(false);
        for (const [i, run] of live.entries()) {
          const events = ended[i] ?? [];
          // Read on the other instance: what it replays came from the store alone.
          const other = i % 2 === 0 ? b : a;
          const record = await endedRecord(other.url, run.runId);
          expectStatusMatches(record, events.at(-1)?.data);
          const replay = await readEvents(
            await fetch(new URL(`/runs/${run.runId}/events`, other.url)),
          );
          expect(frames(replay), `round ${round} (${mode}), run ${run.runId}`).toStrictEqual(
            frames(events),
          );
        }
      }
      console.log(
        `[store-faults] ${ROUNDS} restarts, ${runs} runs, ${requests} reads during outages, 0 crashes`,
      );
      expect(failures).toStrictEqual([]);
    },
    60_000 + ROUNDS * 30_000,
  );

  it("kill -9 mid-run: the resumed stream ends with SERVER_LOST after exactly the ids the client had", async () => {
    const victim = await instance("victim");
    const run = await startRun(victim.url, "typical:4000");
    await until("six events", async () => (run.seen.length >= 6 ? true : undefined));
    // Its live stream is cut by the kill (handled from now: the cut may come while kill() awaits).
    const cut = run.done.catch(() => undefined);
    await victim.kill();
    // Once the client has read all it got, it has `had`.
    await cut;
    const had = run.seen.map((e) => Number(e.id));
    const lastId = had.at(-1) as number;
    // The client resumes on the other instance at once, and follows the run until it ends.
    const resumed = await readEvents(
      await fetch(new URL(`/runs/${run.runId}/events`, b.url), {
        headers: { "Last-Event-ID": String(lastId) },
      }),
    );
    expect(resumed).toHaveLength(1);
    expect(resumed[0]?.data).toMatchObject({ type: "error", code: "SERVER_LOST" });
    expect(Number(resumed[0]?.id)).toBeGreaterThan(lastId);
    expect(await endedRecord(b.url, run.runId)).toMatchObject({
      status: "error",
      errorCode: "SERVER_LOST",
    });
    // From the start: what was stored of what the client saw, in order, then the end.
    const replay = await readEvents(await fetch(new URL(`/runs/${run.runId}/events`, a.url)));
    const ids = replay.map((e) => Number(e.id));
    expect(replay.at(-1)?.data).toMatchObject({ code: "SERVER_LOST" });
    // Stored: a prefix of what the client had (a killed server's unwritten tail is gone).
    expect(ids.slice(0, -1)).toStrictEqual(had.slice(0, ids.length - 1));
    expect(ids.at(-1)).toBe(Number(resumed[0]?.id));
    // And a restarted instance serves again.
    const restarted = await instance("victim-2");
    const again = await startRun(restarted.url, "typical:100");
    expect((await again.done).at(-1)?.data).toMatchObject({ type: "result" });
    expect(a.crashed() || b.crashed() || restarted.crashed()).toBe(false);
  }, 90_000);

  it("while PostgreSQL is stopped: 503 STORE_UNAVAILABLE with Retry-After everywhere, /ready 503, a follower waits the outage out, no run is taken while writes fail, a run asked for meanwhile is a 503 with nothing started, and runs are recorded whole once it is back", async () => {
    const before = await startRun(a.url, "typical:100");
    const known = before.runId;
    await before.done;
    await endedRecord(b.url, known);
    // A run in flight on a, followed from b: b's follower must outlive the outage, not end with it.
    const followed = await startRun(a.url, "typical:6000");
    await until("followed run under way", async () =>
      followed.seen.length >= 3 ? true : undefined,
    );
    const follower = readEvents(await fetch(new URL(`/runs/${followed.runId}/events`, b.url)));
    cluster?.stop();
    try {
      const requests: [string, string][] = [
        ["GET", "/runs?limit=5"],
        ["GET", `/runs/${known}`],
        ["GET", `/runs/${known}/events`],
        ["POST", `/runs/${known}/cancel`],
      ];
      for (const instance of [a, b]) {
        for (const [method, path] of requests) {
          const response = await fetch(new URL(path, instance.url), { method });
          expect(response.status, `${method} ${path}`).toBe(503);
          expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
          expect(await response.json()).toMatchObject({ code: "STORE_UNAVAILABLE" });
        }
        const ready = await fetch(new URL("/ready", instance.url));
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: "not_ready" });
      }
      // A run asked of b, whose writes were not failing yet (a's are: the followed run's events
      // wait there), waits for its record, which cannot land: after the bounded wait, 503, and
      // nothing of it was started or answered (a 200 would hand out an id /runs/:id cannot find).
      const during = await postQuery(b.url, { prompt: "typical:300" });
      expect(during.status).toBe(503);
      expect(during.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(during.headers.get("x-run-id")).toBeNull();
      expect(await during.json()).toMatchObject({ code: "STORE_UNAVAILABLE" });
      expect(await b.stats()).toMatchObject({ alive: 0, running: 0 });
      // Once a's writes have kept failing, a takes no new run: 503 up front, nothing started.
      await until("a's writes failing", async () =>
        ((await a.stats()).outbox?.failingForMs ?? 0) >= 1000 ? true : undefined,
      );
      const refused = await postQuery(a.url, { prompt: "typical:100" });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(await refused.json()).toMatchObject({ code: "STORE_UNAVAILABLE" });
      await cluster?.start();
      const followedLive = await resumeToEnd(a.url, followed.runId, await followed.done);
      expect(frames(await follower)).toStrictEqual(frames(followedLive));
      // b serves again: a run started now is recorded whole.
      const after = await startRun(b.url, "typical:300");
      const events = await after.done;
      expect(events.at(-1)?.data).toMatchObject({ type: "result" });
      expect((await endedRecord(a.url, after.runId)).status).toBe("completed");
      const replay = await readEvents(await fetch(new URL(`/runs/${after.runId}/events`, a.url)));
      expect(frames(replay)).toStrictEqual(frames(events));
    } finally {
      await cluster?.start().catch(() => undefined);
    }
    expect(
      await until("ready", async () => {
        const ready = await fetch(new URL("/ready", a.url));
        return ready.status === 200 ? ready.status : undefined;
      }),
    ).toBe(200);
    // Both LISTEN connections came back by themselves.
    await until("both listeners", async () =>
      Number(
        cluster?.psql(
          "select count(*) from pg_stat_activity where application_name = 'sandcaster-run-listener'",
        ),
      ) >= 2
        ? true
        : undefined,
    );
    expect(a.crashed() || b.crashed()).toBe(false);
  }, 90_000);
});
