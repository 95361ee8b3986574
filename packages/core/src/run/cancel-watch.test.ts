// The shared cancel watch on a real SQLite store: few queries for many runs, cancels the right ones.
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunStore } from "../store/run-store.js";
import { createSqliteRunStore } from "../store/sqlite-run-store.js";
import { CancelWatch } from "./cancel-watch.js";

const log = pino({ level: "silent" });
let store: RunStore;
/** Each store query the watch made: how many ids it named, or "running" for the pending-cancels query. */
let queries: (number | "running")[];

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeEach(async () => {
  const real = createSqliteRunStore({ path: ":memory:", pollIntervalMs: 50 });
  await real.migrate();
  queries = [];
  store = {
    ...real,
    cancelRequestedAmong: async (ids) => {
      queries.push(ids.length);
      return real.cancelRequestedAmong(ids);
    },
    runningWithCancelRequest: async () => {
      queries.push("running");
      return real.runningWithCancelRequest();
    },
  };
});
afterEach(async () => {
  await store.close();
});

describe("CancelWatch", () => {
  async function watchMany(watch: CancelWatch, count: number) {
    const runs = Array.from({ length: count }, (_, i) => `run-${i}`);
    const controllers = new Map<string, AbortController>();
    const stops: (() => void)[] = [];
    for (const id of runs) {
      await store.createRun({ id, prompt: "p", startedAt: new Date() });
      const controller = new AbortController();
      controllers.set(id, controller);
      stops.push(watch.watch(id, controller, log));
    }
    const stopAll = () => {
      for (const stop of stops) stop();
    };
    return { runs, controllers, stop: stopAll };
  }

  it("cancels the run asked for, with CANCELLED, naming a few watched runs in one query", async () => {
    const watch = new CancelWatch(store, log);
    const { runs, controllers, stop } = await watchMany(watch, 40);
    await until(() => queries.length > 0);
    const before = queries.length;
    await store.requestCancel("run-7");
    await store.notifyRuns(runs);
    await until(() => controllers.get("run-7")?.signal.aborted === true);
    const reason = controllers.get("run-7")?.signal.reason as { code?: string };
    expect(reason.code).toBe("CANCELLED");
    expect([...controllers.values()].filter((c) => c.signal.aborted)).toHaveLength(1);
    // 40 wake-ups came together: a handful of queries, each naming many runs, not 40.
    const after = queries.slice(before);
    expect(after.length).toBeLessThan(5);
    expect(after).not.toContain("running");
    expect(Math.max(...(after as number[]))).toBeGreaterThan(20);
    stop();
  });

  it("with many runs watched, asks for the pending cancels instead of naming every run", async () => {
    const watch = new CancelWatch(store, log);
    const { runs, controllers, stop } = await watchMany(watch, 300);
    // Another run, not watched here, with a pending cancel: the store names it, the watch ignores it.
    await store.createRun({ id: "elsewhere", prompt: "p", startedAt: new Date() });
    await store.requestCancel("elsewhere");
    await until(() => queries.includes("running"));
    const before = queries.length;
    await store.requestCancel("run-242");
    await store.notifyRuns(runs);
    await until(() => controllers.get("run-242")?.signal.aborted === true);
    const reason = controllers.get("run-242")?.signal.reason as { code?: string } | undefined;
    expect(reason?.code).toBe("CANCELLED");
    expect([...controllers.values()].filter((c) => c.signal.aborted)).toHaveLength(1);
    // The polling ticks (every 50 ms here) woke all 300: never a query naming them.
    await until(() => queries.length > before + 3);
    expect(queries.filter((q) => typeof q === "number" && q > 100)).toStrictEqual([]);
    stop();
  });

  it("sees a cancel request made by another process through the polling tick", async () => {
    const watch = new CancelWatch(store, log);
    await store.createRun({ id: "r", prompt: "p", startedAt: new Date() });
    const controller = new AbortController();
    const stop = watch.watch("r", controller, log);
    await store.requestCancel("r"); // no notify: as if another process wrote it
    await until(() => controller.signal.aborted);
    stop();
  });

  it("stopping never throws, even when the store fails to stop its wake-ups", async () => {
    const warnings: string[] = [];
    const spy = pino(
      { level: "warn" },
      { write: (line: string) => void warnings.push(JSON.parse(line).msg) },
    );
    const failing: RunStore = {
      ...store,
      subscribeRun: () => () => {
        throw new Error("notifier gone");
      },
    };
    const watch = new CancelWatch(failing, spy);
    await failing.createRun({ id: "r", prompt: "p", startedAt: new Date() });
    const controller = new AbortController();
    const stop = watch.watch("r", controller, spy);
    expect(stop).not.toThrow();
    expect(warnings).toEqual(["stopping the watch for cancel requests failed"]);
    // No longer watched: a cancel request now does not reach it.
    await failing.requestCancel("r");
    await failing.notifyRun("r");
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(controller.signal.aborted).toBe(false);
  });

  it("stops looking at a run once its watch is stopped", async () => {
    const watch = new CancelWatch(store, log);
    await store.createRun({ id: "r", prompt: "p", startedAt: new Date() });
    const controller = new AbortController();
    watch.watch("r", controller, log)();
    await store.requestCancel("r");
    await store.notifyRun("r");
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(controller.signal.aborted).toBe(false);
  });
});
