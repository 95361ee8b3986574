// The RunStore contract for run events, cancel requests and watches; registered by describeRunStore.
import type { SandcasterEvent } from "@sandcaster/protocol";
import { expect, it } from "vitest";
import { EVENT_ID_BLOCK } from "../../src/store/run-events.js";
import {
  RunAlreadyEndedError,
  type RunStore,
  type StoredEvent,
} from "../../src/store/run-store.js";

export interface EventsContractContext {
  /** The suite's migrated store. */
  store: RunStore;
  /** Another store instance on the same database (closed by the suite). */
  open(): Promise<RunStore>;
}

const T0 = Date.parse("2025-03-01T12:00:00.000Z");

function stored(seq: number, content = `event ${seq}`): StoredEvent {
  return { seq, event: { type: "assistant", subtype: "delta", content } };
}

const RICH_EVENTS: SandcasterEvent[] = [
  { type: "system", subtype: "init", content: "started", runId: "run-a", model: "m" },
  { type: "tool_result", toolName: "bash", content: "ok\n\u0000\"'", isError: false },
  { type: "file", path: "src/ü.txt", content: "aGk=", encoding: "base64" },
  {
    type: "result",
    content: "done",
    costUsd: 0.25,
    numTurns: 2,
    usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4 },
    structuredOutput: { nested: [1, null, "x"] },
  },
];

export async function waitFor(what: string, check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Counts a watch's wake-ups in the background. */
export function countWakes(store: RunStore, runId: string, signal: AbortSignal) {
  const state = { wakes: 0, ended: false };
  const iterable = store.watchRun(runId, signal);
  const done = (async () => {
    for await (const _ of iterable) state.wakes++;
    state.ended = true;
  })();
  return { state, done };
}

export function registerEventsContract(ctx: () => EventsContractContext): void {
  async function running(store: RunStore, id: string): Promise<void> {
    await store.createRun({ id, prompt: "p", startedAt: new Date(T0) });
  }

  it("appends events and reads them in seq order, after a seq, up to a limit", async () => {
    const { store } = ctx();
    await running(store, "run-a");
    const rich = RICH_EVENTS.map((event, i) => ({ seq: i + 1, event }));
    await store.appendEvents("run-a", rich);
    await store.appendEvents("run-a", [stored(5), stored(6), stored(7)]);
    await store.appendEvents("run-b", [stored(1, "other run")]);
    await store.appendEvents("run-a", []);

    const all = await store.readEvents("run-a", 0, 100);
    expect(all).toStrictEqual([...rich, stored(5), stored(6), stored(7)]);
    expect(await store.readEvents("run-a", 2, 3)).toStrictEqual([rich[2], rich[3], stored(5)]);
    expect(await store.readEvents("run-a", 6, 10)).toStrictEqual([stored(7)]);
    expect(await store.readEvents("run-a", 7, 10)).toStrictEqual([]);
    expect(await store.readEvents("run-b", 0, 10)).toStrictEqual([stored(1, "other run")]);
    expect(await store.readEvents("nope", 0, 10)).toStrictEqual([]);
    await expect(store.readEvents("run-a", 0, 0)).rejects.toThrow(RangeError);
  });

  it("keeps many events in one append, in order", async () => {
    const { store } = ctx();
    const events = Array.from({ length: 1203 }, (_, i) => stored(i + 1));
    await store.appendEvents("run-a", events);
    const read: StoredEvent[] = [];
    for (let after = 0; ; ) {
      const page = await store.readEvents("run-a", after, 500);
      if (page.length === 0) break;
      read.push(...page);
      after = page.at(-1)?.seq ?? after;
    }
    expect(read).toStrictEqual(events);
  });

  it("ignores a seq that is already stored, also within one append", async () => {
    const { store } = ctx();
    await store.appendEvents("run-a", [stored(1, "first")]);
    await store.appendEvents("run-a", [stored(1, "again"), stored(2, "second")]);
    await store.appendEvents("run-a", [stored(3, "third"), stored(3, "twice")]);
    expect(await store.readEvents("run-a", 0, 10)).toStrictEqual([
      stored(1, "first"),
      stored(2, "second"),
      stored(3, "third"),
    ]);
  });

  it("prunes events of runs that ended before the cutoff, and of missing runs older than it", async () => {
    const { store } = ctx();
    for (const id of ["old", "recent", "live"]) await running(store, id);
    const finish = (id: string, endedAtMs: number) =>
      store.finishRun(id, {
        status: "completed",
        endedAt: new Date(endedAtMs),
        durationSecs: 1,
        filesCount: 0,
      });
    await finish("old", T0 + 1000);
    await finish("recent", T0 + 10_000);
    for (const id of ["old", "recent", "live"]) {
      await store.appendEvents(id, [stored(1), stored(2), stored(3)]);
    }
    await store.appendEvents("gone", [stored(1), stored(2)]);

    // "gone" has no record, but its events are new: its record may still be on its way (an outage).
    expect(await store.pruneEvents(new Date(T0 + 1000))).toBe(0);
    expect(await store.readEvents("gone", 0, 10)).toHaveLength(2);
    expect(await store.readEvents("old", 0, 10)).toHaveLength(3);
    expect(await store.pruneEvents(new Date(T0 + 5000))).toBe(3);
    expect(await store.readEvents("old", 0, 10)).toStrictEqual([]);
    expect(await store.readEvents("recent", 0, 10)).toHaveLength(3);
    expect(await store.pruneEvents(new Date(T0 + 5000))).toBe(0);
    expect(await store.pruneEvents(new Date(Date.now() + 60_000))).toBe(5);
    expect(await store.readEvents("gone", 0, 10)).toStrictEqual([]);
    expect(await store.readEvents("recent", 0, 10)).toStrictEqual([]);
    expect(await store.readEvents("live", 0, 10)).toHaveLength(3);
    expect(await store.getRun("old")).toBeDefined();
  });

  it("requestCancel marks only a running run, seen by every instance", async () => {
    const { store, open } = ctx();
    const other = await open();
    await running(store, "run-a");
    expect(await store.isCancelRequested("run-a")).toBe(false);
    expect(await other.requestCancel("run-a")).toBe(true);
    expect(await store.isCancelRequested("run-a")).toBe(true);
    expect(await store.requestCancel("run-a")).toBe(true);
    expect((await store.getRun("run-a"))?.status).toBe("running");

    await store.finishRun("run-a", {
      status: "cancelled",
      endedAt: new Date(T0 + 1),
      durationSecs: 0,
      filesCount: 0,
    });
    expect(await store.requestCancel("run-a")).toBe(false);

    await running(store, "run-b");
    expect(await store.failRunIfRunning("run-b", { code: "X", message: "y" }, new Date())).toBe(
      true,
    );
    expect(await store.requestCancel("run-b")).toBe(false);
    expect(await store.isCancelRequested("run-b")).toBe(false);
    expect(await store.requestCancel("missing")).toBe(false);
    expect(await store.isCancelRequested("missing")).toBe(false);
  });

  it("finishRun stores the run's terminal event with its status, or, once the run was declared lost, neither", async () => {
    const { store, open } = ctx();
    const other = await open();
    const outcome = {
      status: "completed" as const,
      endedAt: new Date(T0 + 1),
      durationSecs: 0,
      filesCount: 0,
    };
    const end = { seq: 3, event: { type: "result" as const, content: "done" } };
    await running(store, "run-ended");
    await store.appendEvents("run-ended", [stored(1), stored(2)]);
    await store.finishRun("run-ended", outcome, end);
    expect((await other.readEvents("run-ended", 0, 10)).at(-1)).toStrictEqual(end);
    expect((await other.getRun("run-ended"))?.status).toBe("completed");

    await running(store, "run-lost");
    await store.appendEvents("run-lost", [stored(1)]);
    const lost = { code: "SERVER_LOST", message: "gone" };
    expect(
      await other.failStaleRuns(new Date(T0 + 10_000), lost, new Date(T0 + 10_000)),
    ).toStrictEqual(["run-lost"]);
    await expect(store.finishRun("run-lost", outcome, { ...end, seq: 2 })).rejects.toSatisfy(
      RunAlreadyEndedError.isInstance,
    );
    const events = await other.readEvents("run-lost", 0, 10);
    expect(events.map((e) => e.event.type)).toStrictEqual(["assistant", "error"]);
    expect((await other.getRun("run-lost"))?.errorCode).toBe("SERVER_LOST");
  });

  it("appendEventBatches writes several runs at once, past one statement, ignoring stored seqs", async () => {
    const { store } = ctx();
    await running(store, "run-a");
    await running(store, "run-b");
    await store.appendEvents("run-a", [stored(1, "kept")]);
    const many = Array.from({ length: 1200 }, (_, i) => stored(i + 1, `b${i + 1}`));
    await store.appendEventBatches([
      { runId: "run-a", events: [stored(1, "again"), stored(2)] },
      { runId: "run-b", events: many },
      { runId: "run-c", events: [] },
    ]);
    expect(await store.readEvents("run-a", 0, 10)).toStrictEqual([stored(1, "kept"), stored(2)]);
    expect(await store.readEvents("run-b", 0, 2000)).toStrictEqual(many);
    await store.appendEventBatches([]);
  });

  it("appendEventAtEnd adds one event after every id the run reserved or stored", async () => {
    const { store } = ctx();
    await running(store, "run-a");
    await store.appendEvents("run-a", [stored(1), stored(2), stored(7)]);
    const lost: SandcasterEvent = { type: "error", code: "SERVER_LOST", content: "gone" };
    // Ids up to the reservation may have been sent live without being stored.
    expect(await store.appendEventAtEnd("run-a", lost)).toBe(EVENT_ID_BLOCK + 1);
    expect((await store.readEvents("run-a", 7, 10)).map((e) => e.event)).toStrictEqual([lost]);
    await running(store, "run-b");
    await store.reserveEventIds("run-b", 250_000);
    await store.reserveEventIds("run-b", 120_000);
    expect(await store.appendEventAtEnd("run-b", lost)).toBe(250_001);
    await running(store, "run-c");
    await store.appendEvents("run-c", [stored(EVENT_ID_BLOCK + 5)]);
    expect(await store.appendEventAtEnd("run-c", lost)).toBe(EVENT_ID_BLOCK + 6);
    expect(await store.appendEventAtEnd("run-empty", lost)).toBe(1);
  });

  it("runningWithCancelRequest names every running run with a cancel request, from any instance", async () => {
    const { store, open } = ctx();
    const other = await open();
    expect((await store.runningWithCancelRequest()).size).toBe(0);
    for (const id of ["run-a", "run-b", "run-c", "run-d"]) await running(store, id);
    await other.requestCancel("run-a");
    await store.requestCancel("run-c");
    await store.requestCancel("run-d");
    // A cancelled run that has ended is no longer pending.
    await store.finishRun("run-d", {
      status: "cancelled",
      endedAt: new Date(T0 + 1),
      durationSecs: 0,
      filesCount: 0,
    });
    expect([...(await store.runningWithCancelRequest())].sort()).toStrictEqual(["run-a", "run-c"]);
    expect([...(await other.runningWithCancelRequest())].sort()).toStrictEqual(["run-a", "run-c"]);
  });

  // Another instance notifies after its change is stored, as the store's users do: SQLite's
  // other processes see the commit, PostgreSQL's the notification.
  it("notifyRuns wakes the watchers of each run named, across instances", async () => {
    const { store, open } = ctx();
    const other = await open();
    await running(store, "run-a");
    await running(store, "run-b");
    const controller = new AbortController();
    const a = countWakes(store, "run-a", controller.signal);
    const b = countWakes(store, "run-b", controller.signal);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = [a.state.wakes, b.state.wakes];
      await other.appendEventBatches([
        { runId: "run-a", events: [stored(1)] },
        { runId: "run-b", events: [stored(1)] },
      ]);
      await other.notifyRuns(["run-a", "run-b"]);
      await waitFor(
        "both wake",
        () => a.state.wakes > (before[0] ?? 0) && b.state.wakes > (before[1] ?? 0),
        1000,
      );
    } finally {
      controller.abort();
      await Promise.all([a.done, b.done]);
    }
  });

  it("watchRun wakes after notifyRun from another instance, which then reads the events", async () => {
    const { store, open } = ctx();
    const other = await open();
    await running(store, "run-a");
    const controller = new AbortController();
    const watch = countWakes(store, "run-a", controller.signal);
    try {
      // Let wake-ups of connecting or of a first tick pass, then look for the one notify causes.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = watch.state.wakes;
      await other.appendEvents("run-a", [stored(1)]);
      await other.notifyRun("run-a");
      await waitFor("a wake-up", () => watch.state.wakes > before, 1000);
      expect(await store.readEvents("run-a", 0, 10)).toStrictEqual([stored(1)]);
    } finally {
      controller.abort();
      await watch.done;
    }
  });

  it("watchRun wakes after notifyRun on the same instance, for that run only", async () => {
    const { store } = ctx();
    const controller = new AbortController();
    const a = countWakes(store, "run-a", controller.signal);
    const b = countWakes(store, "run-b", controller.signal);
    try {
      await store.notifyRun("run-a");
      await waitFor("a wake-up", () => a.state.wakes > 0, 1000);
      expect(a.state.ended).toBe(false);
    } finally {
      controller.abort();
      await Promise.all([a.done, b.done]);
    }
    expect(a.state.ended && b.state.ended).toBe(true);
  });

  it("watchRun ends when its signal aborts, or at once when it already has", async () => {
    const { store } = ctx();
    const controller = new AbortController();
    const watch = countWakes(store, "run-a", controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(watch.state.ended).toBe(false);
    controller.abort();
    await waitFor("the watch to end", () => watch.state.ended, 500);

    const late = countWakes(store, "run-a", AbortSignal.abort());
    await waitFor("the watch to end", () => late.state.ended, 500);
    expect(late.state.wakes).toBe(0);
  });

  it("subscribeRun calls back on notifyRun, for that run only, until unsubscribed", async () => {
    const { store, open } = ctx();
    if (!store.subscribeRun) return;
    const other = await open();
    await running(store, "run-a");
    const wakes = { a: 0, b: 0 };
    const stopA = store.subscribeRun("run-a", () => wakes.a++);
    const stopB = store.subscribeRun("run-b", () => wakes.b++);
    try {
      // Wake-ups of connecting or of a first tick pass; then the one another instance's notify causes.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = { ...wakes };
      await other.appendEvents("run-a", [stored(1)]);
      await other.notifyRun("run-a");
      await waitFor("a wake-up", () => wakes.a > before.a, 1000);
      await store.notifyRun("run-a");
      expect(wakes.a).toBeGreaterThan(before.a + 1);
      // run-b hears only the wake-ups of every run (ticks), run-a those and its own notifies.
      expect(wakes.a - before.a).toBeGreaterThan(wakes.b - before.b);
      stopA();
      const stopped = wakes.a;
      await store.notifyRun("run-a");
      await other.appendEvents("run-a", [stored(2)]);
      await other.notifyRun("run-a");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(wakes.a).toBe(stopped);
    } finally {
      stopA();
      stopB();
    }
  });

  it("close() ends the store's open watches", async () => {
    const { open } = ctx();
    const other = await open();
    const watch = countWakes(other, "run-a", new AbortController().signal);
    await other.close();
    await waitFor("the watch to end", () => watch.state.ended, 1000);
  });

  it("failStaleRuns ends runs whose instance stopped stamping them, and only those", async () => {
    const { store } = ctx();
    await running(store, "run-stamped");
    await running(store, "run-silent");
    await running(store, "run-ended");
    await store.finishRun("run-ended", {
      status: "completed",
      endedAt: new Date(T0 + 1),
      durationSecs: 0,
      filesCount: 0,
    });
    await store.touchRuns(["run-stamped", "run-ended"], new Date(T0 + 60_000));
    const lost = { code: "SERVER_LOST", message: "its server stopped" };
    const ended = await store.failStaleRuns(new Date(T0 + 30_000), lost, new Date(T0 + 90_000));
    expect(ended).toStrictEqual(["run-silent"]);
    expect(await store.getRun("run-silent")).toMatchObject({
      status: "error",
      error: lost.message,
      errorCode: lost.code,
      durationSecs: 90,
    });
    // Its terminal event was stored with the status, after every id it reserved.
    expect(await store.readEvents("run-silent", 0, 10)).toStrictEqual([
      {
        seq: EVENT_ID_BLOCK + 1,
        event: { type: "error", code: "SERVER_LOST", content: "its server stopped" },
      },
    ]);
    // The instance that comes back late cannot overwrite how the run ended.
    await expect(
      store.finishRun("run-silent", {
        status: "completed",
        endedAt: new Date(T0 + 95_000),
        durationSecs: 95,
        filesCount: 0,
      }),
    ).rejects.toSatisfy((error) => RunAlreadyEndedError.isInstance(error));
    expect(await store.getRun("run-silent")).toMatchObject({
      status: "error",
      error: lost.message,
      errorCode: lost.code,
    });
    expect(await store.getRun("run-stamped")).toMatchObject({ status: "running" });
    expect(await store.getRun("run-ended")).toMatchObject({ status: "completed" });
    expect(
      await store.failStaleRuns(new Date(T0 + 70_000), lost, new Date(T0 + 90_000)),
    ).toStrictEqual(["run-stamped"]);
  });
}

export function describeStaleEndContract(ctx: () => EventsContractContext): void {
  it("failStaleRuns records a run whose terminal event was stored (its outcome was not) as that event says", async () => {
    const { store } = ctx();
    const lost = { code: "SERVER_LOST", message: "its server stopped" };
    const result: SandcasterEvent = {
      type: "result",
      content: "done",
      costUsd: 0.5,
      numTurns: 3,
      model: "m-1",
      usage: { inputTokens: 10, outputTokens: 20, cacheReadTokens: 1, cacheWriteTokens: 2 },
    };
    const timeout: SandcasterEvent = { type: "error", code: "TIMEOUT", content: "too slow" };
    const cancelled: SandcasterEvent = { type: "error", code: "CANCELLED", content: "by user" };
    for (const [id, last] of [
      ["run-result", result],
      ["run-timeout", timeout],
      ["run-cancelled", cancelled],
      ["run-midway", undefined],
    ] as const) {
      await store.createRun({ id, prompt: "p", startedAt: new Date(T0) });
      await store.appendEvents(id, [stored(1), ...(last ? [{ seq: 2, event: last }] : [])]);
    }
    const ended = await store.failStaleRuns(new Date(T0 + 30_000), lost, new Date(T0 + 90_000));
    expect([...ended].sort()).toStrictEqual(
      ["run-cancelled", "run-midway", "run-result", "run-timeout"].sort(),
    );
    expect(await store.getRun("run-result")).toMatchObject({
      status: "completed",
      costUsd: 0.5,
      numTurns: 3,
      model: "m-1",
      usage: result.type === "result" ? result.usage : undefined,
    });
    expect((await store.getRun("run-result"))?.error).toBeUndefined();
    expect(await store.getRun("run-timeout")).toMatchObject({
      status: "error",
      error: "too slow",
      errorCode: "TIMEOUT",
    });
    expect(await store.getRun("run-cancelled")).toMatchObject({
      status: "cancelled",
      errorCode: "CANCELLED",
    });
    // Nothing appended after an end: the replay ends with what the client saw last.
    for (const id of ["run-result", "run-timeout", "run-cancelled"]) {
      expect((await store.readEvents(id, 0, 10)).map((e) => e.seq)).toStrictEqual([1, 2]);
    }
    // A run cut mid-way still ends with SERVER_LOST, after every id it reserved.
    expect(await store.getRun("run-midway")).toMatchObject({
      status: "error",
      error: lost.message,
      errorCode: lost.code,
    });
    expect((await store.readEvents("run-midway", 0, 10)).at(-1)).toStrictEqual({
      seq: EVENT_ID_BLOCK + 1,
      event: { type: "error", code: "SERVER_LOST", content: "its server stopped" },
    });
  });
}
