import { describe, expect, it } from "vitest";
import { ActiveRuns } from "./active-runs.js";
import { RunError } from "./run-error.js";

function deferred() {
  let resolve!: () => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("ActiveRuns", () => {
  it("counts tracked runs", () => {
    const runs = new ActiveRuns();
    expect(runs.size).toBe(0);
    runs.track("a", new AbortController(), deferred().promise);
    runs.track("b", new AbortController(), deferred().promise);
    expect(runs.size).toBe(2);
  });

  it("removes a run once it resolves", async () => {
    const runs = new ActiveRuns();
    const a = deferred();
    runs.track("a", new AbortController(), a.promise);
    runs.track("b", new AbortController(), deferred().promise);
    a.resolve();
    await tick();
    expect(runs.size).toBe(1);
  });

  it("removes a run once it rejects, without an unhandled rejection", async () => {
    const runs = new ActiveRuns();
    const a = deferred();
    runs.track("a", new AbortController(), a.promise);
    a.reject(new Error("run failed"));
    a.promise.catch(() => undefined);
    await tick();
    expect(runs.size).toBe(0);
  });

  it("waitIdle is true at once when nothing runs", async () => {
    expect(await new ActiveRuns().waitIdle(10)).toBe(true);
  });

  it("waitIdle is true once every run finished, rejected ones included", async () => {
    const runs = new ActiveRuns();
    const a = deferred();
    const b = deferred();
    b.promise.catch(() => undefined);
    runs.track("a", new AbortController(), a.promise);
    runs.track("b", new AbortController(), b.promise);
    const idle = runs.waitIdle(5_000);
    setTimeout(a.resolve, 10);
    setTimeout(() => b.reject(new Error("x")), 20);
    expect(await idle).toBe(true);
    expect(runs.size).toBe(0);
  });

  it("waitIdle is false when a run outlasts the timeout", async () => {
    const runs = new ActiveRuns();
    runs.track("stuck", new AbortController(), deferred().promise);
    const started = Date.now();
    expect(await runs.waitIdle(50)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("waitIdle also waits for a run tracked after it started", async () => {
    const runs = new ActiveRuns();
    const a = deferred();
    const late = deferred();
    runs.track("a", new AbortController(), a.promise);
    let done: boolean | undefined;
    const idle = runs.waitIdle(5_000).then((v) => (done = v));
    runs.track("late", new AbortController(), late.promise);
    a.resolve();
    await tick();
    await tick();
    expect(done).toBeUndefined();
    late.resolve();
    expect(await idle).toBe(true);
  });

  it("waitIdle times out on a run tracked after it started that never ends", async () => {
    const runs = new ActiveRuns();
    const a = deferred();
    runs.track("a", new AbortController(), a.promise);
    const idle = runs.waitIdle(100);
    runs.track("late", new AbortController(), deferred().promise);
    a.resolve();
    expect(await idle).toBe(false);
  });

  it("cancelAll aborts current runs with a CANCELLED RunError", () => {
    const runs = new ActiveRuns();
    const a = new AbortController();
    const b = new AbortController();
    runs.track("a", a, deferred().promise);
    runs.track("b", b, deferred().promise);
    runs.cancelAll("server shutting down");
    for (const controller of [a, b]) {
      expect(controller.signal.aborted).toBe(true);
      const reason: unknown = controller.signal.reason;
      expect(RunError.isInstance(reason)).toBe(true);
      expect(reason).toMatchObject({ code: "CANCELLED", message: "server shutting down" });
    }
  });

  it("cancelAll also aborts runs tracked afterwards", () => {
    const runs = new ActiveRuns();
    runs.cancelAll("shutting down");
    const late = new AbortController();
    runs.track("late", late, deferred().promise);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toMatchObject({ code: "CANCELLED", message: "shutting down" });
    expect(runs.size).toBe(1);
  });

  it("does not abort anything before cancelAll", () => {
    const runs = new ActiveRuns();
    const a = new AbortController();
    runs.track("a", a, deferred().promise);
    expect(a.signal.aborted).toBe(false);
  });
});
