// The shared event writer on a real SQLite store: batches across runs, order, flush, failures.
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunEventBatch, RunStore } from "../store/run-store.js";
import { createSqliteRunStore } from "../store/sqlite-run-store.js";
import { EventWriter, sharedEventWriter } from "./event-writer.js";

const log = pino({ level: "silent" });
const delta = (content: string) => ({
  type: "assistant" as const,
  subtype: "delta" as const,
  content,
});

let store: RunStore;
let writes: RunEventBatch[][];
let notified: string[][];

beforeEach(async () => {
  const real = createSqliteRunStore({ path: ":memory:" });
  await real.migrate();
  writes = [];
  notified = [];
  store = {
    ...real,
    appendEventBatches: async (batches) => {
      writes.push([...batches]);
      await real.appendEventBatches(batches);
    },
    notifyRuns: async (ids) => {
      notified.push([...ids]);
    },
  };
});
afterEach(async () => {
  await store.close();
});

describe("EventWriter", () => {
  it("writes events of many runs in one batch per tick, then wakes those runs", async () => {
    const writer = new EventWriter(store, log, { delayMs: 20 });
    for (let seq = 1; seq <= 3; seq++) {
      for (const runId of ["a", "b", "c"])
        writer.add(runId, { seq, event: delta(`${runId}${seq}`) });
    }
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(writes).toHaveLength(1);
    expect(notified).toStrictEqual([["a", "b", "c"]]);
    const b = await store.readEvents("b", 0, 10);
    expect(b.map((e) => e.event)).toStrictEqual([delta("b1"), delta("b2"), delta("b3")]);
  });

  it("flush() resolves once everything added before it is stored; writes never overlap", async () => {
    const writer = new EventWriter(store, log, { delayMs: 10_000 });
    writer.add("a", { seq: 1, event: delta("1") });
    const first = writer.flush();
    writer.add("a", { seq: 2, event: delta("2") });
    await writer.flush();
    await first;
    expect((await store.readEvents("a", 0, 10)).map((e) => e.seq)).toStrictEqual([1, 2]);
    expect(writes).toHaveLength(2);
    await writer.flush();
    expect(writes).toHaveLength(2);
  });

  it("starts a write at once when maxPending events wait", async () => {
    const writer = new EventWriter(store, log, { delayMs: 10_000, maxPending: 5 });
    for (let seq = 1; seq <= 5; seq++) writer.add("a", { seq, event: delta(String(seq)) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writes).toHaveLength(1);
  });

  it("a failed write is logged, never thrown, and later writes go on", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
    let fail = true;
    const flaky: RunStore = {
      ...store,
      appendEventBatches: async (batches) => {
        if (fail) throw new Error("disk full");
        await store.appendEventBatches(batches);
      },
    };
    const writer = new EventWriter(flaky, logger, { delayMs: 10_000 });
    writer.add("a", { seq: 1, event: delta("lost") });
    await writer.flush();
    fail = false;
    writer.add("a", { seq: 2, event: delta("kept") });
    await writer.flush();
    expect(lines.join("")).toContain("could not persist run events");
    expect((await store.readEvents("a", 0, 10)).map((e) => e.seq)).toStrictEqual([2]);
  });

  it("is shared per store", () => {
    expect(sharedEventWriter(store, log)).toBe(sharedEventWriter(store, log));
  });
});
