// An idle runner's stdout: its ready line is taken off the front, everything else passes untouched.
import { RUNNER_READY_LINE } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { watchReady } from "./preboot-ready.js";

const bytes = (text: string) => new TextEncoder().encode(text);

/** A stream that gives `chunks` one read at a time, then ends (or stays open). */
function streamOf(chunks: readonly string[], end = true): ReadableStream<Uint8Array> {
  const queue = [...chunks];
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = queue.shift();
        if (next !== undefined) controller.enqueue(bytes(next));
        else if (end) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
  return out;
}

describe("watchReady", () => {
  it("takes the ready line off the front, even split across reads, and passes the rest", async () => {
    const line = `${RUNNER_READY_LINE}\n`;
    const watched = watchReady(
      streamOf([line.slice(0, 7), line.slice(7), '{"type":"system"}\n', '{"type":"result"}\n']),
    );
    expect(await watched.ready).toBe(true);
    expect(await text(watched.stdout)).toBe('{"type":"system"}\n{"type":"result"}\n');
  });

  it("keeps what follows the ready line in the same read", async () => {
    const watched = watchReady(streamOf([`${RUNNER_READY_LINE}\n{"type":"system"}\n`]));
    expect(await watched.ready).toBe(true);
    expect(await text(watched.stdout)).toBe('{"type":"system"}\n');
  });

  it("passes a stream that begins with anything else through unchanged, and is not ready", async () => {
    const first = '{"type":"error","code":"INTERNAL"}\n';
    const watched = watchReady(streamOf([first, "more\n"]));
    expect(await watched.ready).toBe(false);
    expect(await text(watched.stdout)).toBe(`${first}more\n`);
  });

  it("is not ready when the stream ends first (a runner that died), and ends too", async () => {
    const watched = watchReady(streamOf([RUNNER_READY_LINE.slice(0, 5)]));
    expect(await watched.ready).toBe(false);
    expect(await text(watched.stdout)).toBe(RUNNER_READY_LINE.slice(0, 5));
  });

  it("reads no further than the ready line until someone reads (the runner's backpressure)", async () => {
    let reads = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          reads++;
          controller.enqueue(bytes(reads === 1 ? `${RUNNER_READY_LINE}\n` : `line ${reads}\n`));
        },
      },
      { highWaterMark: 0 },
    );
    const watched = watchReady(source);
    expect(await watched.ready).toBe(true);
    expect(reads).toBe(1);
    const reader = watched.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("line 2\n");
    expect(reads).toBe(2);
    await reader.cancel();
  });
});
