// A spawned process's stdin as a web WritableStream over a provider's raw pipe (SandboxProcess.stdin).
import type { Writable } from "node:stream";
import { SandboxError } from "./sandbox-error.js";

/** What a provider offers for one process's stdin. */
export interface StdinPipe {
  /** Hands one chunk to the process's stdin; resolves once it was accepted (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Sends EOF; the process's output keeps flowing. */
  end(): Promise<void>;
}

export function stdinClosedError(): SandboxError {
  return new SandboxError("SANDBOX_EXEC_FAILED", "The process has ended: its stdin is closed");
}

/** A provider's own SandboxError (e.g. "sandbox lost") as it is; anything else as EXEC_FAILED. */
function toError(error: unknown, action: string): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SandboxError("SANDBOX_EXEC_FAILED", `Cannot ${action}: ${message}`, { cause: error });
}

/**
 * Wraps `pipe` so that: writes reach it one at a time in order (the WritableStream queues them),
 * close() sends EOF, and once `ended` settles (the process is gone) every pending or later write
 * rejects with SANDBOX_EXEC_FAILED instead of hanging or surfacing EPIPE. close() after the end
 * resolves: the process has no stdin left to close.
 */
export function stdinStream(pipe: StdinPipe, ended: Promise<unknown>): WritableStream<Uint8Array> {
  let over = false;
  const gone = ended.then(
    () => {
      over = true;
    },
    () => {
      over = true;
    },
  );
  /** Runs `operation` unless the process ended first; "ended" when it did (before or during). */
  async function unlessEnded(operation: () => Promise<void>): Promise<"done" | "ended"> {
    if (over) return "ended";
    const attempt = operation();
    // Once the process ended nobody awaits `attempt` any more; it may still settle later.
    attempt.catch(() => {});
    try {
      return await Promise.race([
        attempt.then(() => "done" as const),
        gone.then(() => "ended" as const),
      ]);
    } catch (error) {
      if (over) return "ended";
      throw error;
    }
  }

  return new WritableStream<Uint8Array>({
    async write(chunk) {
      if (!(chunk instanceof Uint8Array)) throw new TypeError("stdin takes Uint8Array chunks");
      if (chunk.byteLength === 0) {
        if (over) throw stdinClosedError();
        return;
      }
      let outcome: "done" | "ended";
      try {
        outcome = await unlessEnded(() => pipe.write(chunk));
      } catch (error) {
        throw toError(error, "write to the process's stdin");
      }
      if (outcome === "ended") throw stdinClosedError();
    },
    async close() {
      try {
        await unlessEnded(() => pipe.end());
      } catch (error) {
        throw toError(error, "close the process's stdin");
      }
    },
    async abort() {
      // The writer gave up: the process gets EOF rather than a stdin that stays open forever.
      await unlessEnded(() => pipe.end()).catch(() => {});
    },
  });
}

/** A node Writable (a child's stdin, a hijacked socket) as a StdinPipe; its errors never throw. */
export function writablePipe(stream: Writable): StdinPipe {
  // EPIPE (the reader is gone) would otherwise be an uncaught 'error' that kills the server; the
  // failure still reaches the pending write's callback.
  stream.on("error", () => {});
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        stream.write(chunk, (error) => {
          if (error) return reject(error);
          // Node completes a write cut short by destroy() (the child exited) without an error.
          if (stream.destroyed)
            return reject(new Error("the pipe closed before the bytes went out"));
          resolve();
        });
      }),
    end: () =>
      new Promise<void>((resolve, reject) => {
        if (stream.writableFinished) return resolve();
        stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
      }),
  };
}
