import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { SandboxError } from "./sandbox-error.js";
import { type StdinPipe, stdinStream, writablePipe } from "./stdin-stream.js";

const bytes = (text: string) => new TextEncoder().encode(text);

/** A pipe whose writes stay pending until released, recording what it saw. */
function recordingPipe() {
  const calls: string[] = [];
  const releases: (() => void)[] = [];
  const pipe: StdinPipe = {
    write(chunk) {
      calls.push(`write:${Buffer.from(chunk).toString()}`);
      return new Promise<void>((resolve) => releases.push(resolve));
    },
    async end() {
      calls.push("end");
    },
  };
  return { pipe, calls, releaseNext: () => releases.shift()?.() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("stdinStream", () => {
  it("hands writes to the pipe one at a time, in order, then ends it on close", async () => {
    const { pipe, calls, releaseNext } = recordingPipe();
    const writer = stdinStream(pipe, new Promise(() => {})).getWriter();
    const written = ["a", "b", "c"].map((text) => writer.write(bytes(text)));
    await tick();
    expect(calls).toEqual(["write:a"]);
    releaseNext();
    await tick();
    expect(calls).toEqual(["write:a", "write:b"]);
    releaseNext();
    await tick();
    releaseNext();
    await Promise.all(written);
    await writer.close();
    expect(calls).toEqual(["write:a", "write:b", "write:c", "end"]);
  });

  it("rejects a pending write when the process ends, and every later write", async () => {
    const { pipe } = recordingPipe();
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const writer = stdinStream(pipe, ended).getWriter();
    const pending = writer.write(bytes("never read"));
    end();
    await expect(pending).rejects.toMatchObject({ code: "SANDBOX_EXEC_FAILED" });
    await expect(writer.write(bytes("later"))).rejects.toBeInstanceOf(SandboxError);
  });

  it("resolves close() once the process has ended (nothing left to close)", async () => {
    const { pipe, calls } = recordingPipe();
    const stream = stdinStream(pipe, Promise.resolve());
    await tick();
    await stream.close();
    expect(calls).toEqual([]);
  });

  it("wraps pipe failures (a provider's SandboxError stays as it is) and refuses non-bytes", async () => {
    const failing = (error: Error): StdinPipe => ({
      write: () => Promise.reject(error),
      end: async () => {},
    });
    const never = new Promise(() => {});
    const plain = stdinStream(failing(new Error("EPIPE")), never).getWriter();
    await expect(plain.write(bytes("x"))).rejects.toMatchObject({
      code: "SANDBOX_EXEC_FAILED",
      message: "Cannot write to the process's stdin: EPIPE",
    });
    const lost = new SandboxError("SANDBOX_LOST", "gone");
    const own = stdinStream(failing(lost), never).getWriter();
    await expect(own.write(bytes("x"))).rejects.toBe(lost);
    const other = stdinStream(failing(lost), never).getWriter();
    await expect(other.write("text" as unknown as Uint8Array)).rejects.toBeInstanceOf(TypeError);
  });

  it("sends EOF when the writer aborts", async () => {
    const { pipe, calls } = recordingPipe();
    await stdinStream(pipe, new Promise(() => {})).abort(new Error("gave up"));
    expect(calls).toEqual(["end"]);
  });
});

describe("writablePipe", () => {
  it("writes and ends a node stream", async () => {
    const target = new PassThrough();
    const chunks: Buffer[] = [];
    target.on("data", (chunk: Buffer) => chunks.push(chunk));
    const pipe = writablePipe(target);
    await pipe.write(bytes("hi"));
    await pipe.end();
    await pipe.end();
    expect(Buffer.concat(chunks).toString()).toBe("hi");
  });

  it("turns a stream error into a rejection, never an uncaught error", async () => {
    const broken = new Writable({
      write: (_chunk, _encoding, callback) => callback(new Error("EPIPE")),
    });
    const pipe = writablePipe(broken);
    await expect(pipe.write(bytes("x"))).rejects.toThrow("EPIPE");
    await expect(pipe.write(bytes("y"))).rejects.toThrow();
  });
});
