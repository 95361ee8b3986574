import { describe, expect, it } from "vitest";
import { type Line, readLines } from "./line-splitter.js";

const encoder = new TextEncoder();

/** A stream that delivers exactly the given chunks, in order. */
function streamOf(chunks: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const queue = chunks.map((c) => (typeof c === "string" ? encoder.encode(c) : c));
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>, max = 1024): Promise<Line[]> {
  const lines: Line[] = [];
  // Without the shared stream state, which the cases below do not look at.
  await readLines(stream, max, ({ stream: _, ...line }) => lines.push(line));
  return lines;
}

const texts = (lines: Line[]) => lines.map((l) => l.text);

describe("readLines: where lines are cut", () => {
  it("splits lines inside one chunk", async () => {
    const lines = await collect(streamOf(["one\ntwo\nthree\n"]));
    expect(texts(lines)).toEqual(["one", "two", "three"]);
    expect(lines.every((l) => !l.truncated)).toBe(true);
  });

  it("joins a line split across several chunk boundaries", async () => {
    const lines = await collect(streamOf(["he", "ll", "o wor", "ld\nsec", "ond\n"]));
    expect(texts(lines)).toEqual(["hello world", "second"]);
    expect(lines[0]?.bytes).toBe(11);
  });

  it("handles a chunk that is only a newline", async () => {
    expect(texts(await collect(streamOf(["abc", "\n", "def", "\n"])))).toEqual(["abc", "def"]);
  });

  it("decodes a 2-byte character split between two chunks", async () => {
    const bytes = encoder.encode("café\n");
    // "é" is 0xC3 0xA9: cut between the two bytes.
    const cut = bytes.indexOf(0xc3) + 1;
    const lines = await collect(streamOf([bytes.subarray(0, cut), bytes.subarray(cut)]));
    expect(texts(lines)).toEqual(["café"]);
    expect(lines[0]?.bytes).toBe(5);
  });

  it("decodes a 4-byte emoji split byte by byte across chunks", async () => {
    const bytes = encoder.encode("a😀b\n");
    const chunks = [...bytes].map((b) => Uint8Array.of(b));
    const lines = await collect(streamOf(chunks));
    expect(texts(lines)).toEqual(["a😀b"]);
    expect(lines[0]?.text).not.toContain("\uFFFD");
    expect(lines[0]?.bytes).toBe(6);
  });

  it("yields the last line even without a trailing newline", async () => {
    expect(texts(await collect(streamOf(["first\nla", "st"])))).toEqual(["first", "last"]);
  });

  it("does not yield an extra empty line after a trailing newline", async () => {
    expect(texts(await collect(streamOf(["only\n"])))).toEqual(["only"]);
  });

  it("yields nothing for an empty stream", async () => {
    expect(await collect(streamOf([]))).toEqual([]);
  });

  it("keeps empty lines", async () => {
    const lines = await collect(streamOf(["a\n\n", "\nb\n"]));
    expect(texts(lines)).toEqual(["a", "", "", "b"]);
    expect(lines[1]).toEqual({ text: "", truncated: false, bytes: 0 });
  });

  it("accepts a line of exactly the limit as not truncated", async () => {
    const lines = await collect(streamOf(["12345678\n"]), 8);
    expect(lines).toEqual([{ text: "12345678", truncated: false, bytes: 8 }]);
  });

  it("truncates a line longer than the limit, reporting its full length", async () => {
    const long = "x".repeat(30);
    const lines = await collect(streamOf([long.slice(0, 7), long.slice(7), "\n"]), 10);
    expect(lines).toEqual([{ text: "x".repeat(10), truncated: true, bytes: 30 }]);
  });

  it("keeps the first maxLineBytes bytes, not characters", async () => {
    // Each "é" is 2 bytes: a 6-byte limit keeps three of them.
    const lines = await collect(streamOf(["éééééé\n"]), 6);
    expect(lines[0]).toEqual({ text: "ééé", truncated: true, bytes: 12 });
  });

  it("leaves the line after an oversized one intact", async () => {
    const lines = await collect(streamOf(["a".repeat(50), "b".repeat(50), "\nnext line\n"]), 16);
    expect(lines).toEqual([
      { text: "a".repeat(16), truncated: true, bytes: 100 },
      { text: "next line", truncated: false, bytes: 9 },
    ]);
  });

  it("truncates an oversized last line without a trailing newline", async () => {
    const lines = await collect(streamOf(["ok\n", "z".repeat(40)]), 8);
    expect(lines).toEqual([
      { text: "ok", truncated: false, bytes: 2 },
      { text: "z".repeat(8), truncated: true, bytes: 40 },
    ]);
  });

  it("keeps only the limit of a 50 MB line", async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x61); // 1 MB of "a"
    let sent = 0;
    const total = 50;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent < total) {
          controller.enqueue(chunk);
          sent++;
        } else {
          controller.enqueue(encoder.encode("\nafter\n"));
          controller.close();
        }
      },
    });
    const lines = await collect(stream, 1024);
    expect(lines).toHaveLength(2);
    expect(lines[0]?.truncated).toBe(true);
    expect(lines[0]?.bytes).toBe(total * 1024 * 1024);
    expect(lines[0]?.text).toHaveLength(1024);
    expect(lines[1]).toEqual({ text: "after", truncated: false, bytes: 5 });
  });
});

describe("readLines: callbacks and the summing-up line", () => {
  // A cut line, an empty one, "é" split between chunks, a last line without a newline.
  const chunks = [
    "x".repeat(30),
    "y\nshort\n\n",
    new Uint8Array([0xc3]),
    new Uint8Array([0xa9]),
    "\nlast",
  ];

  it("calls back with every line, in order, and releases the reader", async () => {
    const called: Line[] = [];
    const stream = streamOf(chunks);
    await readLines(stream, 8, ({ stream: _, ...line }) => called.push(line));
    expect(called[0]).toEqual({ text: "xxxxxxxx", truncated: true, bytes: 31 });
    expect(texts(called)).toEqual(["xxxxxxxx", "short", "", "é", "last"]);
    expect(stream.locked).toBe(false);
  });

  it("sums up with one empty line at the end when the consumer dropped lines", async () => {
    const seen: Line[] = [];
    await readLines(streamOf(["bad\nbad\nok"]), 100, (line) => {
      seen.push({ ...line });
      if (line.text === "bad" && line.stream) line.stream.dropped++;
    });
    expect(texts(seen)).toEqual(["bad", "bad", "ok", ""]);
    expect(seen.at(-1)?.stream).toMatchObject({ ended: true, dropped: 2 });
  });
});
