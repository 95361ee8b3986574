// Nothing of a run is answered before its record is stored: its headers (X-Run-Id, a queued run's
// `queued` event) wait for the record, another instance finds and cancels it at its first event,
// and a record the store cannot take is a 503 STORE_UNAVAILABLE with no sandbox and no record left.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createDurableRunStore,
  createPostgresRunStore,
  createSqliteRunStore,
  type DurableRunStore,
  type NewRun,
  type RunStore,
} from "@sandcaster/core";
import { outageError } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const quiet = { warn: () => {}, info: () => {} };
const PG_URL = hasService("postgres") ? process.env.SANDCASTER_TEST_DATABASE_URL : undefined;
const STORES = [
  { store: "sqlite", databaseUrl: undefined },
  ...(PG_URL ? [{ store: "postgres", databaseUrl: PG_URL }] : []),
];

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

function deferred<T = void>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A real store whose record writes for one prompt can be held back (`gate`) or fail the way a
 * dead PostgreSQL connection does (`down`); everything else goes straight through.
 */
function controlledStore(inner: RunStore, prompt: string, settleMs: number) {
  const control = {
    gate: undefined as Promise<void> | undefined,
    down: false,
    /** The run ids whose record write reached the database layer. */
    reached: deferred<string>(),
    attempts: 0,
  };
  const held = new Proxy(inner, {
    get(target, key, receiver) {
      if (key !== "createRun") return Reflect.get(target, key, receiver);
      return async (run: NewRun) => {
        if (run.prompt === prompt) {
          control.attempts++;
          control.reached.resolve(run.id);
          await control.gate;
          if (control.down) throw outageError();
        }
        return target.createRun(run);
      };
    },
  });
  const store: DurableRunStore = createDurableRunStore(held, {
    logger: quiet,
    settleMs,
    retryMinMs: 20,
    retryMaxMs: 100,
  });
  return { store, control };
}

async function sharedStores(databaseUrl: string | undefined) {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-record-first-"));
  const storePath = join(dir, "shared.db");
  const inner = databaseUrl
    ? createPostgresRunStore({ connectionString: databaseUrl, logger: quiet })
    : createSqliteRunStore({ path: storePath });
  return { inner, storePath };
}

/** The window in which a server that answered before the record would have answered. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then(() => "answered" as const),
    new Promise<"waiting">((resolve) => setTimeout(() => resolve("waiting"), ms)),
  ]);

async function sandboxesAcquired(url: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  return [...text.matchAll(/^sandcaster_sandbox_acquire_seconds_count\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

const HANG = [{ toolCalls: [{ name: "bash", input: { command: "echo started; sleep 60" } }] }];

describe("a run's record comes first", () => {
  it.each(STORES)(
    "its headers wait for a slow record; then another instance finds it and cancels it at its first event ($store)",
    async ({ databaseUrl }) => {
      const { inner, storePath } = await sharedStores(databaseUrl);
      const { store, control } = controlledStore(inner, "hang", 60_000);
      const gate = deferred();
      control.gate = gate.promise;
      await store.migrate();
      const b = await start({ turns: [], storePath, databaseUrl });
      const a = await start({ turns: HANG, store });
      const answer = postQuery(a.url, { prompt: "hang" });
      const runId = await control.reached.promise;
      // The record is on its way: no headers, no sandbox until it lands.
      expect(await within(answer, 750)).toBe("waiting");
      expect(await sandboxesAcquired(a.url)).toBe(0);
      gate.resolve();
      const response = await answer;
      expect(response.headers.get("x-run-id")).toBe(runId);
      const reading = readEvents(response);
      // At once, on the other instance: no retry, no wait for the record.
      const record = await fetch(new URL(`/runs/${runId}`, b.url));
      expect(record.status).toBe(200);
      const first = await readEvents(await fetch(new URL(`/runs/${runId}/events`, b.url)), {
        until: () => true,
      });
      expect(first[0]?.data).toMatchObject({ type: "system", subtype: "init", runId });
      const cancel = await fetch(new URL(`/runs/${runId}/cancel`, b.url), { method: "POST" });
      expect(cancel.status).toBe(202);
      expect((await reading).at(-1)?.data).toMatchObject({ type: "error", code: "CANCELLED" });
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
  );

  it("a record the store cannot take is a 503 STORE_UNAVAILABLE with Retry-After: no sandbox, no record", async () => {
    const { inner } = await sharedStores(undefined);
    const { store, control } = controlledStore(inner, "doomed", 300);
    control.down = true;
    await store.migrate();
    const a = await start({ turns: [{ text: "served" }], store });
    const refused = await postQuery(a.url, { prompt: "doomed" });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ code: "STORE_UNAVAILABLE" });
    const runId = await control.reached.promise;
    expect(a.double.requests).toHaveLength(0);
    expect(await sandboxesAcquired(a.url)).toBe(0);
    expect(await expectNoLeftovers(runId)).toEqual([]);
    // Once the store is back, nothing of the refused run lands (no record stuck `running`).
    control.down = false;
    expect(await store.drain(10_000)).toBe(true);
    const after = await store.getRun(runId);
    expect(after === undefined || after.status !== "running").toBe(true);
    // And the instance serves the next run.
    const next = await readEvents(await postQuery(a.url, { prompt: "next" }));
    expect(next.at(-1)?.data).toMatchObject({ type: "result", content: "served" });
  });

  describe("a queued run", () => {
    /** One slot, held by a run whose model answers late, and a queue of one. */
    async function oneSlot(store: DurableRunStore, turns: Parameters<typeof start>[0]["turns"]) {
      await store.migrate();
      const server = await start({
        turns,
        store,
        config: { limits: { maxConcurrentRuns: 1, maxQueuedRuns: 1, queueTimeoutSecs: 60 } },
      });
      const holder = await postQuery(server.url, { prompt: "hold the slot" });
      void readEvents(holder).catch(() => undefined);
      // The holder has taken the model's first (slow) turn: the queued run gets the next one.
      for (let i = 0; server.double.requests.length < 1; i++) {
        if (i > 600) throw new Error("the holder never reached the model");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { server, holderId: holder.headers.get("x-run-id") ?? "" };
    }

    it("gets its headers, X-Run-Id and `queued` event once its record is stored, and runs after", async () => {
      const { inner } = await sharedStores(undefined);
      const { store, control } = controlledStore(inner, "wait", 60_000);
      const gate = deferred();
      control.gate = gate.promise;
      const { server, holderId } = await oneSlot(store, [
        { text: "slow", delayMs: 60_000 },
        { text: "the queued run ran" },
      ]);
      const answer = postQuery(server.url, { prompt: "wait" });
      const runId = await control.reached.promise;
      expect(await within(answer, 750)).toBe("waiting");
      gate.resolve();
      const queued = await answer;
      expect(queued.headers.get("x-run-id")).toBe(runId);
      expect((await fetch(new URL(`/runs/${runId}`, server.url))).status).toBe(200);
      const events = readEvents(queued);
      await fetch(new URL(`/runs/${holderId}/cancel`, server.url), { method: "POST" });
      const received = await events;
      expect(received[0]?.data).toMatchObject({ type: "system", subtype: "queued", runId });
      expect(received.at(-1)?.data).toMatchObject({
        type: "result",
        content: "the queued run ran",
      });
      expect((await store.getRun(runId))?.status).toBe("completed");
    });

    it("whose record cannot be stored is a 503 and leaves the queue: no sandbox, no record", async () => {
      const { inner } = await sharedStores(undefined);
      const { store, control } = controlledStore(inner, "wait", 300);
      control.down = true;
      const { server, holderId } = await oneSlot(store, [
        { text: "slow", delayMs: 60_000 },
        { text: "the next run" },
      ]);
      const refused = await postQuery(server.url, { prompt: "wait" });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(await refused.json()).toMatchObject({ code: "STORE_UNAVAILABLE" });
      const runId = await control.reached.promise;
      const metrics = await (await fetch(new URL("/metrics", server.url))).text();
      expect(metrics).toMatch(/^sandcaster_queued_runs 0$/m);
      // The freed slot goes to the next run, which gets the model's next turn.
      control.down = false;
      await fetch(new URL(`/runs/${holderId}/cancel`, server.url), { method: "POST" });
      const next = await readEvents(await postQuery(server.url, { prompt: "next" }));
      expect(next.at(-1)?.data).toMatchObject({ type: "result", content: "the next run" });
      expect(await sandboxesAcquired(server.url)).toBe(2); // the holder's and the next run's
      expect(await store.drain(10_000)).toBe(true);
      const after = await store.getRun(runId);
      expect(after === undefined || after.status !== "running").toBe(true);
      expect(await expectNoLeftovers(runId)).toEqual([]);
    });
  });
});
