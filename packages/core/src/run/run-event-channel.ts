// The events of one run on their way to its one reader: in order, bounded in bytes (a reader that
// falls that far behind gets its run stopped), read one by one or in batches.
import type { RunEvent, RunEvents } from "./run-handle.js";

/** Bytes of events a reader may fall behind by before the run is stopped. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export class RunEventChannel implements RunEvents {
  private items: RunEvent[] = [];
  private wake: (() => void) | undefined;
  private bytes = 0;
  private closed = false;
  /** The reader left: nothing is buffered any more. */
  private detached = false;

  constructor(
    private readonly onOverflow: () => void,
    private readonly maxBytes = MAX_BUFFERED_BYTES,
  ) {}

  push(item: RunEvent): void {
    if (this.detached || this.closed) return;
    this.bytes += item.json.length;
    if (this.bytes > this.maxBytes) {
      this.onOverflow();
      return;
    }
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *batches(): AsyncGenerator<RunEvent[]> {
    try {
      for (;;) {
        if (this.items.length > 0) {
          const batch = this.items;
          this.items = [];
          this.bytes = 0;
          yield batch;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    } finally {
      this.detached = true;
      this.items = [];
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RunEvent> {
    for await (const batch of this.batches()) yield* batch;
  }
}
