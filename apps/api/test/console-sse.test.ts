// The console's own SSE parser (console/sse.js, plain browser ESM): frames, line endings, any chunking.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSseParser, readSse } from "../console/sse.js";

type Message = { id: string | undefined; event: string; data: string };

function parse(chunks: string[]): Message[] {
  const out: Message[] = [];
  const parser = createSseParser((m) => out.push(m));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return out;
}

/** Splits text at the given (sorted, deduplicated) offsets. */
function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(text.slice(last, p));
    last = p;
  }
  chunks.push(text.slice(last));
  return chunks;
}

const SERVER_STREAM =
  ': heartbeat\n\nevent: system\ndata: {"type":"system","content":"run started"}\nid: 1\n\n' +
  'event: assistant\ndata: {"type":"assistant","subtype":"delta","content":"héllo 👋"}\nid: 2\n\n';

describe("console SSE parser", () => {
  it("reads the server's frames: event, data, id; comments dropped", () => {
    expect(parse([SERVER_STREAM])).toEqual([
      { id: "1", event: "system", data: '{"type":"system","content":"run started"}' },
      {
        id: "2",
        event: "assistant",
        data: '{"type":"assistant","subtype":"delta","content":"héllo 👋"}',
      },
    ]);
  });

  it("follows the spec's field rules", () => {
    const text =
      "\uFEFFdata:no space\n\n" + // BOM dropped; the space after the colon is optional
      "data\n\n" + // a field without colon has an empty value
      "data: a\ndata:  b\n\n" + // lines join with \n; only one leading space is removed
      "id: 7\nevent: x\n\n" + // no data: nothing dispatched, event type reset
      "data: after\n\n" + // id persists, event back to "message"
      "id: bad\0id\ndata: nul\n\n" + // an id with NUL is ignored
      "retry: 100\nunknown: 1\ndata: z\n\n" +
      "data: unfinished"; // dropped at the end of the stream
    expect(parse([text])).toEqual([
      { id: undefined, event: "message", data: "no space" },
      { id: undefined, event: "message", data: "" },
      { id: undefined, event: "message", data: "a\n b" },
      { id: "7", event: "message", data: "after" },
      { id: "7", event: "message", data: "nul" },
      { id: "7", event: "message", data: "z" },
    ]);
  });

  it("accepts CRLF, CR and LF line endings alike", () => {
    const expected = [{ id: "1", event: "e", data: "d" }];
    expect(parse(["event: e\r\ndata: d\r\nid: 1\r\n\r\n"])).toEqual(expected);
    expect(parse(["event: e\rdata: d\rid: 1\r\r"])).toEqual(expected);
    expect(parse(["event: e\ndata: d\nid: 1\n\n"])).toEqual(expected);
    // a CRLF cut between its CR and LF is still one line ending
    expect(parse(["data: d\r", "\n\r", "\n"])).toEqual([
      { id: undefined, event: "message", data: "d" },
    ]);
  });

  it("gives the same messages however the text is chunked", () => {
    const text = `${SERVER_STREAM}data: x\r\n\r\nevent: y\rdata: 1\rdata: 2\r\r`;
    const whole = parse([text]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(parse(split(text, cuts))).toEqual(whole);
      }),
    );
  });

  it("reads a byte stream with multi-byte characters split across chunks", async () => {
    const bytes = new TextEncoder().encode(SERVER_STREAM);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    const messages: Message[] = [];
    for await (const message of readSse(body)) messages.push(message);
    expect(messages).toEqual(parse([SERVER_STREAM]));
  });

  it("stops reading when the loop breaks, cancelling the body", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("data: 1\n\ndata: 2\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const message of readSse(body)) {
      expect(message.data).toBe("1");
      break;
    }
    expect(cancelled).toBe(true);
  });
});
