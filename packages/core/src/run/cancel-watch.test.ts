// The shared cancel watch on a real SQLite store: one query for many runs, cancels the right ones.
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunStore } from "../store/run-store.js";
import { createSqliteRunStore } from "../store/sqlite-run-store.js";
import { CancelWatch } from "./cancel-watch.js";

const log = pino({ level: "silent" });
let store: RunStore;
let queries: number[];

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
  };
});
afterEach(async () => {
  await store.close();
});

describe("CancelWatch", () => {
  it("cancels the run asked for, with CANCELLED, checking all watched runs in one query", async () => {
    const watch = new CancelWatch(store, log);
    const runs = Array.from({ length: 200 }, (_, i) => `run-${i}`);
    const controllers = new Map<string, AbortController>();
    const stops: (() => void)[] = [];
    for (const id of runs) {
      await store.createRun({ id, prompt: "p", startedAt: new Date() });
      const controller = new AbortController();
      controllers.set(id, controller);
      stops.push(watch.watch(id, controller, log));
    }
    await until(() => queries.length > 0);
    const before = queries.length;
    await store.requestCancel("run-42");
    await store.notifyRuns(runs);
    await until(() => controllers.get("run-42")?.signal.aborted === true);
    const reason = controllers.get("run-42")?.signal.reason as { code?: string };
    expect(reason.code).toBe("CANCELLED");
    expect([...controllers.values()].filter((c) => c.signal.aborted)).toHaveLength(1);
    // 200 wake-ups came together: a handful of queries, each for many runs, not 200.
    const after = queries.slice(before);
    expect(after.length).toBeLessThan(5);
    expect(Math.max(...after)).toBeGreaterThan(100);
    for (const stop of stops) stop();
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
