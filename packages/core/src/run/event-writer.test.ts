// The shared event writer on a real SQLite store: batches across runs, order, flush, outages.
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

let real: RunStore;
let store: RunStore;
let writes: RunEventBatch[][];
let notified: string[][];
/** While set, appendEventBatches fails the way a dead PostgreSQL connection does. */
let down = false;

beforeEach(async () => {
  real = createSqliteRunStore({ path: ":memory:" });
  await real.migrate();
  writes = [];
  notified = [];
  down = false;
  store = {
    ...real,
    appendEventBatches: async (batches) => {
      if (down) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      writes.push([...batches]);
      await real.appendEventBatches(batches);
    },
    notifyRuns: async (ids) => {
      notified.push([...ids]);
    },
  };
});
afterEach(async () => {
  await real.close();
});

describe("EventWriter", () => {
  it("writes events of many runs in one batch per tick, then wakes those runs", async () => {
    const writer = new EventWriter(store, log, { delayMs: 20 });
    for (let seq = 1; seq <= 3; seq++) {
      for (const runId of ["a", "b", "c"])
        writer.add(runId, { seq, event: delta(`${runId}${seq}`) });
    }
    await Promise.all(["a", "b", "c"].map((runId) => writer.flush(runId)));
    expect(writes).toHaveLength(1);
    expect(notified).toStrictEqual([["a", "b", "c"]]);
    const b = await store.readEvents("b", 0, 10);
    expect(b.map((e) => e.event)).toStrictEqual([delta("b1"), delta("b2"), delta("b3")]);
  });

  it("flush(run) resolves once everything of that run added before it is stored", async () => {
    const writer = new EventWriter(store, log, { delayMs: 10_000 });
    writer.add("a", { seq: 1, event: delta("1") });
    const first = writer.flush("a");
    writer.add("a", { seq: 2, event: delta("2") });
    await writer.flush("a");
    await first;
    expect((await store.readEvents("a", 0, 10)).map((e) => e.seq)).toStrictEqual([1, 2]);
    await writer.flush("a");
    await writer.flush("never-written");
  });

  it("an outage loses nothing: writes are retried in order until the store is back", async () => {
    const writer = new EventWriter(store, log, { delayMs: 5 });
    down = true;
    writer.add("a", { seq: 1, event: delta("during") });
    const stored = writer.flush("a");
    let landed = false;
    void stored.then(() => {
      landed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(landed).toBe(false);
    writer.add("a", { seq: 2, event: delta("still during") });
    down = false;
    await stored;
    await writer.flush("a");
    expect((await store.readEvents("a", 0, 10)).map((e) => e.event.content)).toStrictEqual([
      "during",
      "still during",
    ]);
  });

  it("is shared per store", () => {
    expect(sharedEventWriter(store, log)).toBe(sharedEventWriter(store, log));
  });
});
