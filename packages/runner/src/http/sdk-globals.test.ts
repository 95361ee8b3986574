import { describe, expect, it } from "vitest";
import { __sandcasterReadableStream as LazyReadableStream } from "./sdk-globals.js";

describe("the SDKs' ReadableStream stand-in", () => {
  it("answers instanceof as Node's class does, without being it", () => {
    class Sub extends ReadableStream<unknown> {}
    expect(new ReadableStream() instanceof LazyReadableStream).toBe(true);
    expect(new Sub() instanceof LazyReadableStream).toBe(true);
    for (const body of ['{"a":1}', new Uint8Array(2), { getReader: () => undefined }, null])
      expect(body instanceof LazyReadableStream).toBe(false);
  });

  it("builds Node's own ReadableStream", async () => {
    // What the constructor returns: Node's stream (TypeScript types it as the stand-in).
    const stream: unknown = new LazyReadableStream({
      start(controller) {
        controller.enqueue("chunk");
        controller.close();
      },
    });
    expect(stream).toBeInstanceOf(ReadableStream);
    const chunks: unknown[] = [];
    for await (const chunk of stream as ReadableStream<string>) chunks.push(chunk);
    expect(chunks).toEqual(["chunk"]);
  });
});
