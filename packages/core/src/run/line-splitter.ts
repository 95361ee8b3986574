// Splits a byte stream into text lines across chunk boundaries, cutting lines longer than a limit.
import type { ReadableStreamReadResult } from "node:stream/web";

/**
 * What one stream's consumer has reported so far, shared by all its lines: an untrusted process
 * can print millions of bad lines, and they must not become millions of warnings.
 */
export interface LineStreamState {
  /** Warnings about bad lines given so far. */
  warned: number;
  /** Bad lines not reported one by one. */
  dropped: number;
  /** Set on the extra empty line yielded after the last one, when some were dropped. */
  ended: boolean;
}

export interface Line {
  text: string;
  /** True when the line was longer than the limit and its tail was dropped. */
  truncated: boolean;
  /** Length of the whole line in bytes, including what was dropped. */
  bytes: number;
  /** The stream's shared state (absent on lines made by hand). */
  stream?: LineStreamState;
}

/**
 * Decodes whole lines only (never with `stream: true`), so it keeps no state between calls: one for
 * every stream, not one each (a TextDecoder holds a native converter; 10,000 open runs read 20,000
 * streams).
 */
const decoder = new TextDecoder();

/** Cuts one stream's bytes into lines; its `state` is the stream's. */
class LineCutter {
  readonly state: LineStreamState = { warned: 0, dropped: 0, ended: false };
  private parts: Uint8Array[] = [];
  private kept = 0;
  private total = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Calls `onLine` with each line that `bytes` completes. */
  push(bytes: Uint8Array, onLine: (line: Line) => void): void {
    let start = 0;
    for (let newline = bytes.indexOf(10); newline >= 0; newline = bytes.indexOf(10, start)) {
      this.take(bytes.subarray(start, newline));
      onLine(this.finish());
      start = newline + 1;
    }
    if (start < bytes.length) this.take(bytes.subarray(start));
  }

  /** At the stream's end: its last line when it has no trailing newline. */
  last(): Line | undefined {
    return this.total > 0 ? this.finish() : undefined;
  }

  /** After every line was consumed: the empty summing-up line, when the consumer dropped some. */
  summary(): Line | undefined {
    if (this.state.dropped === 0) return undefined;
    this.state.ended = true;
    return { text: "", truncated: false, bytes: 0, stream: this.state };
  }

  private take(bytes: Uint8Array): void {
    this.total += bytes.length;
    const room = this.maxLineBytes - this.kept;
    if (room <= 0) return;
    const piece = bytes.length <= room ? bytes : bytes.subarray(0, room);
    this.parts.push(piece.slice());
    this.kept += piece.length;
  }

  private finish(): Line {
    const joined = new Uint8Array(this.kept);
    let offset = 0;
    for (const part of this.parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    const line = {
      text: decoder.decode(joined),
      truncated: this.total > this.kept,
      bytes: this.total,
      stream: this.state,
    };
    this.parts = [];
    this.kept = 0;
    this.total = 0;
    return line;
  }
}

/**
 * Calls `onLine` with every line of `stream` as it arrives (the last one even without a trailing
 * newline), then `ended` at its end; then, when the consumer dropped bad lines, with one empty line
 * whose `stream.ended` is set, so it can sum them up. `failed` if reading or a callback throws.
 * Callbacks, not an async generator or a promise, and reads chained by `then` rather than awaited
 * in a loop: a stream open for a run's whole life then holds no generator, suspended frame or
 * promise of its own (two per run, stdout and stderr), only its pending read.
 */
export function pumpLines(
  stream: ReadableStream<Uint8Array>,
  maxLineBytes: number,
  onLine: (line: Line) => void,
  ended: () => void,
  failed: (error: unknown) => void,
): void {
  const cutter = new LineCutter(maxLineBytes);
  const reader = stream.getReader();
  const fail = (error: unknown) => {
    reader.releaseLock();
    failed(error);
  };
  const next = (read: ReadableStreamReadResult<Uint8Array>): void => {
    try {
      if (!read.done) {
        cutter.push(read.value, onLine);
        reader.read().then(next, fail);
        return;
      }
      const last = cutter.last();
      if (last) onLine(last);
      const summary = cutter.summary();
      if (summary) onLine(summary);
    } catch (error) {
      fail(error);
      return;
    }
    reader.releaseLock();
    ended();
  };
  reader.read().then(next, fail);
}

/** pumpLines as a promise: resolved at the stream's end, rejected as `failed` would be told. */
export function readLines(
  stream: ReadableStream<Uint8Array>,
  maxLineBytes: number,
  onLine: (line: Line) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    pumpLines(stream, maxLineBytes, onLine, resolve, reject);
  });
}
