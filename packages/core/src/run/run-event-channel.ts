// The events of one run on their way to its one reader: in order, bounded in bytes (a reader that
// falls that far behind gets its run stopped), read one by one or in batches.
import type { RunEvent, RunEvents } from "./run-handle.js";

/** Bytes of events a reader may fall behind by before the run is stopped. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class RunEventChannel implements RunEvents {
  private items: RunEvent[] = [];
  /** The reader's pending next(), while nothing is buffered. */
  private waiting: ((result: IteratorResult<RunEvent[]>) => void) | undefined;
  private answering = false;
  private bytes = 0;
  private closed = false;
  /** The reader left: nothing is buffered any more. */
  private detached = false;

  constructor(
    /** Told when the reader falls `maxBytes` behind (an object: see start-run's StartedRun). */
    private readonly owner: { overflowed(): void },
    private readonly maxBytes = MAX_BUFFERED_BYTES,
  ) {}

  push(item: RunEvent): void {
    if (this.detached || this.closed) return;
    this.bytes += item.json.length;
    if (this.bytes > this.maxBytes) {
      this.owner.overflowed();
      return;
    }
    this.items.push(item);
    this.answer();
  }

  close(): void {
    this.closed = true;
    this.answer();
  }

  /**
   * A hand-written iterator rather than an async generator: a run's open stream waits in it for
   * as long as the run is quiet, and a generator's object, registers and request queue cost more.
   * Read by one loop (for await): next() is not called again before it settles.
   */
  batches(): AsyncIterable<RunEvent[]> {
    const iterator: AsyncIterator<RunEvent[], undefined> = {
      next: () => {
        const now = this.take();
        if (now) return Promise.resolve(now);
        return new Promise((resolve) => {
          this.waiting = resolve;
        });
      },
      return: () => {
        this.detach();
        return Promise.resolve(DONE);
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RunEvent> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** Everything buffered, or the end once closed; undefined while there is nothing to say. */
  private take(): IteratorResult<RunEvent[], undefined> | undefined {
    if (this.items.length > 0) {
      const batch = this.items;
      this.items = [];
      this.bytes = 0;
      return { done: false, value: batch };
    }
    if (this.closed || this.detached) {
      this.detach();
      return DONE;
    }
    return undefined;
  }

  /**
   * Settles a waiting next() a microtask later, with everything pushed by then: events that come
   * together go out as one batch (one write).
   */
  private answer(): void {
    if (!this.waiting || this.answering) return;
    this.answering = true;
    queueMicrotask(() => {
      this.answering = false;
      const waiting = this.waiting;
      const now = waiting && this.take();
      if (!now) return;
      this.waiting = undefined;
      waiting(now);
    });
  }

  private detach(): void {
    this.detached = true;
    this.items = [];
  }
}
