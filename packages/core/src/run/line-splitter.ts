// Splits a byte stream into text lines across chunk boundaries, cutting lines longer than a limit.

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

/**
 * Yields every line of `stream` (the last one even without a trailing newline); then, when its
 * consumer dropped bad lines, one empty line with `stream.ended` set, so it can sum them up.
 */
export async function* splitLines(
  stream: ReadableStream<Uint8Array>,
  maxLineBytes: number,
): AsyncGenerator<Line> {
  let parts: Uint8Array[] = [];
  let kept = 0;
  let total = 0;
  const state: LineStreamState = { warned: 0, dropped: 0, ended: false };

  const finish = (): Line => {
    const joined = new Uint8Array(kept);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    const line = {
      text: decoder.decode(joined),
      truncated: total > kept,
      bytes: total,
      stream: state,
    };
    parts = [];
    kept = 0;
    total = 0;
    return line;
  };

  const take = (bytes: Uint8Array) => {
    total += bytes.length;
    const room = maxLineBytes - kept;
    if (room <= 0) return;
    const piece = bytes.length <= room ? bytes : bytes.subarray(0, room);
    parts.push(piece.slice());
    kept += piece.length;
  };

  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let start = 0;
      for (let newline = value.indexOf(10); newline >= 0; newline = value.indexOf(10, start)) {
        take(value.subarray(start, newline));
        yield finish();
        start = newline + 1;
      }
      if (start < value.length) take(value.subarray(start));
    }
    if (total > 0) yield finish();
    if (state.dropped > 0) {
      state.ended = true;
      yield { text: "", truncated: false, bytes: 0, stream: state };
    }
  } finally {
    reader.releaseLock();
  }
}
