// An idle runner's stdout, minus the one line it prints once warmed up (RUNNER_READY_LINE): the
// line is looked for as soon as the runner starts, so the pool knows which runners are warm, and
// whatever follows it (the run's events) is passed on untouched, with its backpressure.
import { RUNNER_READY_LINE } from "@sandcaster/protocol";

const READY = new TextEncoder().encode(`${RUNNER_READY_LINE}\n`);

export interface WatchedStdout {
  /** The runner's stdout without its leading ready line. */
  stdout: ReadableStream<Uint8Array>;
  /** True once the ready line came; false when the stream began with anything else, or ended. */
  ready: Promise<boolean>;
}

interface Head {
  ready: boolean;
  /** Bytes read while looking that are not the ready line: the stream's first bytes. */
  rest: Uint8Array;
  ended: boolean;
  error?: unknown;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

async function readHead(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Head> {
  let head = new Uint8Array(0);
  // Reads until the bytes so far can no longer be the ready line, or are all of it.
  while (head.length < READY.length && startsWith(head, READY, head.length)) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      return { ready: false, rest: head, ended: false, error };
    }
    if (chunk.done) return { ready: false, rest: head, ended: true };
    const joined = new Uint8Array(head.length + chunk.value.length);
    joined.set(head);
    joined.set(chunk.value, head.length);
    head = joined;
  }
  const ready = head.length >= READY.length && startsWith(head, READY, READY.length);
  return { ready, rest: ready ? head.subarray(READY.length) : head, ended: false };
}

export function watchReady(stdout: ReadableStream<Uint8Array>): WatchedStdout {
  const reader = stdout.getReader();
  const head = readHead(reader);
  let headPassed = false;
  const watched = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headPassed) {
          headPassed = true;
          const { rest, ended, error } = await head;
          if (error !== undefined) throw error;
          if (rest.length > 0) controller.enqueue(rest);
          if (ended) controller.close();
          if (rest.length > 0 || ended) return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    // Pull only when read: the runner is held back when the relay is (backpressure).
    { highWaterMark: 0 },
  );
  return { stdout: watched, ready: head.then((h) => h.ready) };
}
