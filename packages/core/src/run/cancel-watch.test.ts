// The shared cancel watch on a real SQLite store: one query per check however many runs it watches,
// cancels the right ones.
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunStore } from "../store/run-store.js";
import { createSqliteRunStore } from "../store/sqlite-run-store.js";
import { CancelWatch } from "./cancel-watch.js";

const log = pino({ level: "silent" });
let store: RunStore;
/** How many pending-cancel queries the watch made. */
let queries: number;

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
  queries = 0;
  store = {
    ...real,
    runningWithCancelRequest: async () => {
      queries++;
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

  it("cancels the run asked for, with CANCELLED, checking all watched runs in one query", async () => {
    const watch = new CancelWatch(store, log);
    const { runs, controllers, stop } = await watchMany(watch, 300);
    // Another run, not watched here, with a pending cancel: the store names it, the watch ignores it.
    await store.createRun({ id: "elsewhere", prompt: "p", startedAt: new Date() });
    await store.requestCancel("elsewhere");
    await until(() => queries > 0);
    const before = queries;
    await store.requestCancel("run-242");
    await store.notifyRuns(runs);
    await until(() => controllers.get("run-242")?.signal.aborted === true);
    const reason = controllers.get("run-242")?.signal.reason as { code?: string } | undefined;
    expect(reason?.code).toBe("CANCELLED");
    expect([...controllers.values()].filter((c) => c.signal.aborted)).toHaveLength(1);
    // 300 wake-ups came together: a handful of queries, not 300.
    expect(queries - before).toBeLessThan(5);
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
