// One scripted "process": replays runner stdout lines with their delays, answers kill() like a
// real process (exit by signal), and dies of SIGPIPE when its reader goes away.
import type { ExitStatus, SandboxProcess } from "@sandcaster/protocol";

/** One stdout line of the runner (without its newline), printed `delayMs` after the previous one. */
export interface ScriptedLine {
  delayMs: number;
  line: string;
}

/** Arrays, generators (large floods need not be materialised) or async iterables. */
export type ScriptedLines = Iterable<ScriptedLine> | AsyncIterable<ScriptedLine>;

/**
 * Consecutive lines without delay (from a synchronous script) are written together, up to this
 * many characters, as a pipe would deliver them.
 */
const CHUNK_CHARS = 64 * 1024;
const encoder = new TextEncoder();

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(abortError(signal)) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      if (signal) reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface LineSource {
  next: () => Promise<IteratorResult<ScriptedLine>>;
  stop: () => void;
  /** Lines of an async source may take any time to come: what is written is not held back. */
  async: boolean;
}

function iterate(lines: ScriptedLines): LineSource {
  if (Symbol.asyncIterator in lines) {
    const iterator = lines[Symbol.asyncIterator]();
    return {
      next: () => iterator.next(),
      stop: () => void iterator.return?.()?.catch(() => {}),
      async: true,
    };
  }
  const iterator = lines[Symbol.iterator]();
  return {
    async: false,
    next: () => Promise.resolve(iterator.next()),
    stop: () => {
      try {
        iterator.return?.();
      } catch {
        // a generator that throws while closing: nothing to clean up here
      }
    },
  };
}

export class ScriptedProcess implements SandboxProcess {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  private stdoutController: ReadableStreamDefaultController<Uint8Array> | undefined;
  private stderrController: ReadableStreamDefaultController<Uint8Array> | undefined;
  private status: ExitStatus | undefined;
  private resolveExit: ((status: ExitStatus) => void) | undefined;
  private readonly exited: Promise<ExitStatus>;
  private readonly source: LineSource;
  private pending: ScriptedLine | undefined;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(
    lines: () => ScriptedLines,
    private readonly exitCode: number,
    private readonly onExit: (status: ExitStatus) => void,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
    let source: LineSource;
    let failure: unknown;
    try {
      source = iterate(lines());
    } catch (error) {
      failure = error;
      source = {
        next: () => Promise.resolve({ done: true, value: undefined }),
        stop: () => {},
        async: false,
      };
    }
    this.source = source;
    this.stderr = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.stderrController = controller;
      },
    });
    this.stdout = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.stdoutController = controller;
        },
        pull: (controller) => this.pull(controller),
        // The reader went away: a real process would die of SIGPIPE on its next write.
        cancel: () => this.finish({ exitCode: null, signal: "SIGPIPE" }),
      },
      // A pipe: the script stops producing while this much is unread.
      new ByteLengthQueuingStrategy({ highWaterMark: CHUNK_CHARS }),
    );
    // After spawn() has registered it, like a runner that dies right after starting.
    if (failure !== undefined) queueMicrotask(() => this.crash(failure));
  }

  wait(): Promise<ExitStatus> {
    return this.exited;
  }

  async kill(): Promise<void> {
    this.finish({ exitCode: null, signal: "SIGKILL" });
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let chunk = "";
    for (;;) {
      if (chunk && this.source.async && !this.pending) break;
      let next = this.pending;
      this.pending = undefined;
      if (!next) {
        let step: IteratorResult<ScriptedLine>;
        try {
          step = await this.source.next();
        } catch (error) {
          if (chunk && !this.status) controller.enqueue(encoder.encode(chunk));
          this.crash(error);
          return;
        }
        if (this.status) return;
        if (step.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          this.finish({ exitCode: this.exitCode });
          return;
        }
        next = step.value;
      }
      if (next.delayMs > 0) {
        if (chunk) {
          this.pending = next;
          break;
        }
        if (!(await this.sleep(next.delayMs))) return;
      }
      chunk += `${next.line}\n`;
      if (chunk.length >= CHUNK_CHARS) break;
    }
    controller.enqueue(encoder.encode(chunk));
  }

  /** False when the process was killed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve(!this.status);
      }, ms);
      this.sleeping = { timer, wake: () => resolve(false) };
    });
  }

  /** The script threw: its message on stderr, exit code 1, as a crashing runner would. */
  private crash(error: unknown): void {
    if (this.status) return;
    const message = error instanceof Error ? error.message : String(error);
    try {
      this.stderrController?.enqueue(encoder.encode(`scripted sandbox: ${message}\n`));
    } catch {
      // stderr already cancelled by its reader
    }
    this.finish({ exitCode: 1 });
  }

  private finish(status: ExitStatus): void {
    if (this.status) return;
    this.status = status;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
      this.sleeping = undefined;
    }
    this.source.stop();
    for (const controller of [this.stdoutController, this.stderrController]) {
      try {
        controller?.close();
      } catch {
        // already closed, or cancelled by its reader
      }
    }
    this.onExit(status);
    this.resolveExit?.(status);
  }
}
