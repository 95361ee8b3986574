import type { SandcasterEvent } from "@sandcaster/protocol";
import { expect, it } from "vitest";
import { RunEventChannel } from "./run-event-channel.js";

const item = (seq: number, content = "x") => {
  const event: SandcasterEvent = { type: "stderr", content };
  return { event, seq, json: JSON.stringify(event) };
};

it("hands over what was buffered in one batch, in order, and ends after close", async () => {
  const channel = new RunEventChannel({ overflowed: () => undefined });
  channel.push(item(1));
  channel.push(item(2));
  channel.close();
  const batches = [];
  for await (const batch of channel.batches()) batches.push(batch.map((i) => i.seq));
  expect(batches).toEqual([[1, 2]]);
});

it("stops the run when its reader falls too far behind, and stops buffering once it leaves", async () => {
  let overflows = 0;
  const channel = new RunEventChannel({ overflowed: () => overflows++ }, 100);
  channel.push(item(1, "a".repeat(60)));
  channel.push(item(2, "b".repeat(60)));
  expect(overflows).toBe(1);
  for await (const first of channel) {
    expect(first.seq).toBe(1);
    break; // the reader leaves; the run goes on without it
  }
  channel.push(item(3, "c".repeat(200)));
  expect(overflows).toBe(1);
});

it("wakes a waiting reader with what comes later, and ends it on close", async () => {
  const channel = new RunEventChannel({ overflowed: () => undefined });
  const batches: number[][] = [];
  const reading = (async () => {
    for await (const batch of channel.batches()) batches.push(batch.map((i) => i.seq));
  })();
  await Promise.resolve();
  channel.push(item(1));
  await new Promise((resolve) => setImmediate(resolve));
  channel.push(item(2));
  channel.push(item(3));
  await new Promise((resolve) => setImmediate(resolve));
  channel.close();
  await reading;
  expect(batches).toEqual([[1], [2, 3]]);
});
