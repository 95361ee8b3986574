// The durable layer over a real SQLite store whose every call can be made to fail the way a dead
// PostgreSQL connection does: reads answer StoreUnavailableError, writes wait and land in order.

import { withStoreOutage } from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDurableRunStore, type DurableRunStore } from "../../src/store/durable-run-store.js";
import type { RunStore } from "../../src/store/run-store.js";
import { createSqliteRunStore } from "../../src/store/sqlite-run-store.js";
import { StoreUnavailableError } from "../../src/store/store-unavailable-error.js";

const quiet = { warn: () => {}, info: () => {} };
const delta = (content: string) => ({
  type: "assistant" as const,
  subtype: "delta" as const,
  content,
});

let real: RunStore;
let store: DurableRunStore;
/** Store calls in the order they reached the database (name and run id). */
let calls: string[];
let down: boolean;

function flaky<T extends object>(inner: T): T {
  return withStoreOutage(inner, {
    down: () => down,
    onCall(method, args) {
      if (typeof args[0] === "string") calls.push(`${method} ${args[0]}`);
      else if (method === "createRun") calls.push(`createRun ${(args[0] as { id: string }).id}`);
      else if (method === "appendEventBatches") calls.push("appendEventBatches");
    },
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeEach(async () => {
  real = createSqliteRunStore({ path: ":memory:" });
  await real.migrate();
  calls = [];
  down = false;
  store = createDurableRunStore(flaky(real), {
    logger: quiet,
    delayMs: 5,
    retryMinMs: 10,
    retryMaxMs: 50,
    settleMs: 100,
    stallMs: 60_000,
    closeWaitMs: 100,
  });
});
afterEach(async () => {
  down = false;
  await store.close();
});

describe("createDurableRunStore", () => {
  it("answers StoreUnavailableError while the database is down, and serves again after", async () => {
    down = true;
    await expect(store.getRun("x")).rejects.toSatisfy(StoreUnavailableError.isInstance);
    await expect(store.listRuns({ limit: 5 })).rejects.toSatisfy(StoreUnavailableError.isInstance);
    await expect(store.ping()).rejects.toSatisfy(StoreUnavailableError.isInstance);
    await expect(store.sessions.get("s")).rejects.toSatisfy(StoreUnavailableError.isInstance);
    // Agents too: a deploy or invoke during an outage is a 503 STORE_UNAVAILABLE, not a 500.
    await expect(store.agents?.list()).rejects.toSatisfy(StoreUnavailableError.isInstance);
    await expect(store.agents?.get("a")).rejects.toSatisfy(StoreUnavailableError.isInstance);
    down = false;
    expect(await store.getRun("x")).toBeUndefined();
    expect(await store.agents?.list()).toEqual([]);
  });

  it("a statement that is wrong stays its own error (not a 503)", async () => {
    await expect(store.listRuns({ limit: 0 })).rejects.toThrow(RangeError);
  });

  it("through an outage, the record, the events and the outcome all land, the outcome last", async () => {
    down = true;
    // createRun and finishRun give up waiting after settleMs (and say so); the writes go on.
    await expect(
      store.createRun({ id: "r", prompt: "p", startedAt: new Date(1000) }),
    ).rejects.toSatisfy(StoreUnavailableError.isInstance);
    store.queueEvents("r", [
      { seq: 1, event: delta("a") },
      { seq: 2, event: delta("b") },
    ]);
    const end = { type: "result" as const, subtype: "success" as const, content: "done" };
    await expect(
      store.finishRun(
        "r",
        { status: "completed", endedAt: new Date(2000), durationSecs: 1, filesCount: 0 },
        { seq: 3, event: end },
      ),
    ).rejects.toSatisfy(StoreUnavailableError.isInstance);
    expect(store.outboxStats()).toMatchObject({ runs: 1, events: 2 });
    // Pending runs are stamped alive with this instance's own runs.
    down = false;
    await store.eventsStored("r");
    await until("the outcome", async () => (await real.getRun("r"))?.status === "completed");
    // The end landed with the outcome, after the events.
    expect((await real.readEvents("r", 0, 10)).map((e) => e.seq)).toStrictEqual([1, 2, 3]);
    const order = calls.filter((c) => /^(createRun|appendEventBatches|finishRun)/.test(c));
    expect(order).toStrictEqual(["createRun r", "appendEventBatches", "finishRun r"]);
    expect(store.outboxStats()).toMatchObject({ runs: 0, events: 0 });
  });

  it("an outcome is written at once, not after the batch delay, and still after the run's events", async () => {
    // Batches wait a minute here: a finishRun that waited for one would give up after settleMs.
    const batched = createDurableRunStore(flaky(real), {
      logger: quiet,
      delayMs: 60_000,
      settleMs: 5_000,
      closeWaitMs: 100,
    });
    try {
      await batched.createRun({ id: "r", prompt: "p", startedAt: new Date(1000) });
      batched.queueEvents("r", [
        { seq: 1, event: delta("a") },
        { seq: 2, event: delta("b") },
      ]);
      const end = { type: "result" as const, subtype: "success" as const, content: "done" };
      await batched.finishRun(
        "r",
        { status: "completed", endedAt: new Date(2000), durationSecs: 1, filesCount: 0 },
        { seq: 3, event: end },
      );
      expect((await real.readEvents("r", 0, 10)).map((e) => e.seq)).toStrictEqual([1, 2, 3]);
      const order = calls.filter((c) => /^(createRun|appendEventBatches|finishRun)/.test(c));
      expect(order).toStrictEqual(["createRun r", "appendEventBatches", "finishRun r"]);
    } finally {
      await batched.close();
    }
  });

  it("runs with writes still waiting are stamped alive with the instance's own runs", async () => {
    await real.createRun({ id: "mine", prompt: "p", startedAt: new Date(0) });
    await real.createRun({ id: "waiting", prompt: "p", startedAt: new Date(0) });
    down = true;
    await expect(
      store.finishRun("waiting", {
        status: "completed",
        endedAt: new Date(5),
        durationSecs: 0,
        filesCount: 0,
      }),
    ).rejects.toSatisfy(StoreUnavailableError.isInstance);
    down = false;
    calls = [];
    await store.touchRuns(["mine"], new Date(10_000));
    expect(
      await real.failStaleRuns(new Date(5000), { code: "X", message: "x" }, new Date()),
    ).toEqual([]);
  });

  it("reports a run stalled when its writes wait longer than stallMs", async () => {
    const stalls: string[] = [];
    const short = createDurableRunStore(flaky(real), {
      logger: quiet,
      delayMs: 5,
      retryMinMs: 10,
      retryMaxMs: 20,
      settleMs: 10,
      stallMs: 150,
      closeWaitMs: 10,
    });
    short.onStall((runId, message) => stalls.push(`${runId}: ${message}`));
    down = true;
    short.queueEvents("r", [{ seq: 1, event: delta("a") }]);
    await until("a stall", () => stalls.length > 0);
    expect(stalls[0]).toMatch(/^r: .*could not be stored/);
    down = false;
    await short.eventsStored("r");
    expect(stalls).toHaveLength(1);
    await short.close();
  });

  it("a run declared lost meanwhile keeps its status and its end: the late outcome and terminal event are dropped, and finishRun says so", async () => {
    const warnings: string[] = [];
    const watched = createDurableRunStore(flaky(real), {
      logger: { warn: (_o, msg) => warnings.push(msg) },
      delayMs: 5,
      settleMs: 1000,
    });
    await real.createRun({ id: "r", prompt: "p", startedAt: new Date(0) });
    await real.failStaleRuns(new Date(10), { code: "SERVER_LOST", message: "gone" }, new Date(20));
    const end = { type: "result" as const, subtype: "success" as const, content: "done" };
    await expect(
      watched.finishRun(
        "r",
        { status: "completed", endedAt: new Date(30), durationSecs: 0, filesCount: 0 },
        { seq: 5, event: end },
      ),
    ).rejects.toThrow(/already ended \(error SERVER_LOST\)/);
    expect((await real.getRun("r"))?.status).toBe("error");
    // Only the sweeper's end is stored: no log holds two.
    const stored = await real.readEvents("r", 0, 10);
    expect(stored.map((e) => e.event.type)).toStrictEqual(["error"]);
    expect(warnings.join("\n")).toMatch(/came too late/);
    await watched.close();
  });

  it("never writes a run's events before its record: they wait for it while it fails", async () => {
    let recordDown = true;
    const recordFails = createDurableRunStore(
      new Proxy(real, {
        get(target, key, receiver) {
          if (key !== "createRun") return Reflect.get(target, key, receiver);
          return async (run: Parameters<RunStore["createRun"]>[0]) => {
            calls.push(`createRun ${run.id}`);
            if (recordDown)
              throw Object.assign(new Error("connection reset"), { code: "ECONNRESET" });
            return target.createRun(run);
          };
        },
      }),
      { logger: quiet, delayMs: 5, retryMinMs: 10, retryMaxMs: 20, settleMs: 50, closeWaitMs: 100 },
    );
    await expect(
      recordFails.createRun({ id: "r", prompt: "p", startedAt: new Date(0) }),
    ).rejects.toSatisfy(StoreUnavailableError.isInstance);
    recordFails.queueEvents("r", [{ seq: 1, event: delta("a") }]);
    // Rounds go on failing on the record, after the events were queued: the events stay queued.
    const failed = recordFails.outboxStats().failedRounds;
    await until(
      "two more failed rounds",
      () => recordFails.outboxStats().failedRounds >= failed + 2,
    );
    expect(recordFails.outboxStats()).toMatchObject({ runs: 1, events: 1 });
    expect(await real.readEvents("r", 0, 10)).toStrictEqual([]);
    expect(await real.getRun("r")).toBeUndefined();
    recordDown = false;
    await recordFails.eventsStored("r");
    expect((await real.getRun("r"))?.status).toBe("running");
    expect((await real.readEvents("r", 0, 10)).map((e) => e.seq)).toStrictEqual([1]);
    await recordFails.close();
  });

  it("withdrawRun forgets a record not yet written, and ends one that lands anyway with its terminal event", async () => {
    down = true;
    await expect(
      store.createRun({ id: "gone", prompt: "p", startedAt: new Date(0) }),
    ).rejects.toSatisfy(StoreUnavailableError.isInstance);
    const outcome = {
      status: "error" as const,
      endedAt: new Date(10),
      durationSecs: 0,
      filesCount: 0,
      error: { code: "STORE_UNAVAILABLE", message: "the store is unavailable" },
    };
    const end = { type: "error" as const, code: "STORE_UNAVAILABLE", content: "unavailable" };
    // Not being written at this moment (the rounds fail before it): nothing of it is ever written.
    await until("a failed round", () => store.outboxStats().failedRounds > 0);
    store.withdrawRun("gone", outcome, { seq: 1, event: end });
    expect(store.outboxStats().runs).toBe(0);
    down = false;
    expect(await store.drain(1000)).toBe(true);
    expect(await real.getRun("gone")).toBeUndefined();
    // Withdrawn after it landed: ended, with the end its client was told.
    await store.createRun({ id: "late", prompt: "p", startedAt: new Date(0) });
    store.withdrawRun("late", outcome, { seq: 1, event: end });
    expect(await store.drain(1000)).toBe(true);
    expect(await real.getRun("late")).toMatchObject({
      status: "error",
      errorCode: "STORE_UNAVAILABLE",
    });
    expect((await real.readEvents("late", 0, 10)).map((e) => e.event)).toStrictEqual([end]);
  });
});
