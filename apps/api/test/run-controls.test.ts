// Resume, cancel, disconnect policy and backpressure, over real HTTP — across two instances sharing a store.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers } from "./leftovers.js";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

const servers: TestServer[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function start(options: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

function resume(url: string, runId: string, after?: number, signal?: AbortSignal) {
  return fetch(new URL(`/runs/${runId}/events`, url), {
    headers: after === undefined ? {} : { "last-event-id": String(after) },
    ...(signal ? { signal } : {}),
  });
}

const SLOW = [
  {
    text: "Working on it.",
    toolCalls: [{ name: "bash", input: { command: "sleep 1.5; echo step done" } }],
  },
  { text: "Finished.", delayMs: 300 },
];

const PG_URL = hasService("postgres") ? process.env.SANDCASTER_TEST_DATABASE_URL : undefined;
// PostgreSQL runs only where a test database is configured (CI requires it).
const STORES = [
  { store: "sqlite", databaseUrl: undefined },
  ...(PG_URL ? [{ store: "postgres", databaseUrl: PG_URL }] : []),
];

describe("run controls", () => {
  it("replays a finished run with the same ids as /query, from the start or after Last-Event-ID", async () => {
    const server = await start({ turns: SLOW });
    const live = await readEvents(await postQuery(server.url, { prompt: "go" }));
    const runId = live[0]?.data.type === "system" ? (live[0].data.runId ?? "") : "";
    const replay = await readEvents(await resume(server.url, runId));
    const strip = (events: ReceivedEvent[]) =>
      events.map((e) => [e.id, e.event, JSON.stringify(e.data)]);
    expect(strip(replay)).toEqual(strip(live));
    const tail = await readEvents(await resume(server.url, runId, 3));
    expect(tail.map((e) => e.id)).toEqual(live.slice(3).map((e) => e.id));
    const bad = await fetch(new URL(`/runs/${runId}/events?after=-1`, server.url));
    expect(bad.status).toBe(400);
    expect((await fetch(new URL("/runs/run_nope/events", server.url))).status).toBe(404);
  });

  it.each(STORES)(
    "onDisconnect continue: the run outlives its client and is re-attached on another instance ($store)",
    async ({ databaseUrl }) => {
      dir = await mkdtemp(join(tmpdir(), "sandcaster-two-"));
      const storePath = join(dir, "shared.db");
      const a = await start({ turns: SLOW, storePath, databaseUrl });
      const b = await start({ turns: [], storePath, databaseUrl });
      const controller = new AbortController();
      const response = await postQuery(
        a.url,
        { prompt: "go", onDisconnect: "continue" },
        {},
        controller.signal,
      );
      const runId = response.headers.get("x-run-id") ?? "";
      const first = await readEvents(response, { until: (e) => e.data.type === "tool_use" }).catch(
        () => [],
      );
      controller.abort();
      const lastSeen = Number(first.at(-1)?.id ?? 0);
      const rest = await readEvents(await resume(b.url, runId, lastSeen));
      expect(rest[0]?.id).toBe(String(lastSeen + 1));
      expect(rest.at(-1)?.data).toMatchObject({ type: "result", content: "Finished." });
      expect(await b.store.getRun(runId)).toMatchObject({ status: "completed" });
    },
  );

  it.each(STORES)(
    "cancel from instance B stops a run on instance A: CANCELLED, sandbox gone, idempotent ($store)",
    async ({ databaseUrl }) => {
      dir = await mkdtemp(join(tmpdir(), "sandcaster-two-"));
      const storePath = join(dir, "shared.db");
      const a = await start({
        turns: [{ toolCalls: [{ name: "bash", input: { command: "echo started; sleep 60" } }] }],
        storePath,
        databaseUrl,
      });
      const b = await start({ turns: [], storePath, databaseUrl });
      const response = await postQuery(a.url, { prompt: "hang" });
      const runId = response.headers.get("x-run-id") ?? "";
      const reading = readEvents(response);
      // Cancel once B's replay shows the command running (its live output), not after a guess.
      await readEvents(await resume(b.url, runId), {
        until: (e) => e.data.type === "tool_output" && e.data.content.includes("started"),
      });
      const cancel = await fetch(new URL(`/runs/${runId}/cancel`, b.url), { method: "POST" });
      expect(cancel.status).toBe(202);
      expect(await cancel.json()).toEqual({ id: runId, status: "cancelling" });
      const events = await reading;
      expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "CANCELLED" });
      expect(await expectNoLeftovers(runId)).toEqual([]);
      const again = await fetch(new URL(`/runs/${runId}/cancel`, b.url), { method: "POST" });
      expect(await again.json()).toEqual({ id: runId, status: "cancelled" });
      expect(
        (await fetch(new URL("/runs/run_nope/cancel", b.url), { method: "POST" })).status,
      ).toBe(404);
    },
  );

  it("answers 429 with Retry-After beyond the concurrency limit and queue, and keeps serving", async () => {
    const server = await start({
      turns: [{ toolCalls: [{ name: "bash", input: { command: "sleep 2" } }] }, { text: "one" }],
      config: { limits: { maxConcurrentRuns: 1, maxQueuedRuns: 0, queueTimeoutSecs: 1 } },
    });
    // The answer's headers come once the run holds the only slot (admission precedes them).
    const first = readEvents(await postQuery(server.url, { prompt: "first" }));
    const refused = await postQuery(server.url, { prompt: "second" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ code: "TOO_MANY_RUNS" });
    expect((await first).at(-1)?.data).toMatchObject({ type: "result", content: "one" });
    expect((await fetch(new URL("/health", server.url))).status).toBe(200);
  });
});
