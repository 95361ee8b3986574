// RunEventLog on a real SQLite store: the per-run bound applies to every kind of event, the run's
// end is always kept, and event ids are reserved ahead of use.
import type { SandcasterEvent } from "@sandcaster/protocol";
import { pino } from "pino";
import { afterEach, beforeEach, expect, it } from "vitest";
import { EVENT_ID_BLOCK } from "../store/run-events.js";
import type { RunStore } from "../store/run-store.js";
import { createSqliteRunStore } from "../store/sqlite-run-store.js";
import { EventWriter } from "./event-writer.js";
import { RunEventLog } from "./run-event-log.js";

const lines: string[] = [];
const log = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
let store: RunStore;

beforeEach(async () => {
  store = createSqliteRunStore({ path: ":memory:" });
  await store.migrate();
  await store.createRun({ id: "r", prompt: "p", startedAt: new Date(0) });
  lines.length = 0;
});
afterEach(async () => {
  await store.close();
});

it("past maxPerRun keeps only the run's end, says so once in the replay, and streams every id", async () => {
  const events = new RunEventLog("r", new EventWriter(store, log, { delayMs: 1 }), 100, log);
  const sent: number[] = [];
  const record = (event: SandcasterEvent) => sent.push(events.record(event));
  record({ type: "system", subtype: "init", content: "run started" });
  // Not deltas: tool output and warnings count against the bound too (a hostile runner floods them).
  for (let i = 0; i < 150; i++) record({ type: "warning", code: "X", content: `w${i}` });
  for (let i = 0; i < 50; i++) record({ type: "tool_use", toolName: "bash", content: "{}" });
  record({ type: "result", subtype: "success", content: "done" });
  await events.flush();
  expect(sent).toStrictEqual(Array.from({ length: 202 }, (_, i) => i + 1));
  const replay = await store.readEvents("r", 0, 1000);
  expect(replay).toHaveLength(102);
  expect(replay.slice(0, 100).map((e) => e.seq)).toStrictEqual(sent.slice(0, 100));
  expect(replay[100]).toMatchObject({
    seq: 101,
    event: { type: "warning", code: "EVENTS_TRUNCATED" },
  });
  expect(replay[101]).toStrictEqual({
    seq: 202,
    event: { type: "result", subtype: "success", content: "done" },
  });
  expect(lines.filter((line) => line.includes("event limit reached"))).toHaveLength(1);
});

it("reserves the next block of ids half a block before the reservation runs out", async () => {
  const events = new RunEventLog("r", new EventWriter(store, log, { delayMs: 1 }), 100, log);
  const delta: SandcasterEvent = { type: "assistant", subtype: "delta", content: "x" };
  for (let i = 0; i < EVENT_ID_BLOCK / 2; i++) events.record(delta);
  await events.flush();
  const lost: SandcasterEvent = { type: "error", code: "SERVER_LOST", content: "gone" };
  // Not extended yet: the first block is the record's.
  expect(await store.appendEventAtEnd("r", lost)).toBe(EVENT_ID_BLOCK + 1);
  // The reservation is queued before the event that needs it, so it lands in the same round.
  events.record(delta);
  await events.flush();
  expect(await store.appendEventAtEnd("r", lost)).toBe(EVENT_ID_BLOCK / 2 + 1 + EVENT_ID_BLOCK + 1);
});
