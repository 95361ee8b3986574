// Events a run produced that the client has not been sent yet: bounded, in order, taken in batches.
import type { SandcasterEvent } from "@sandcaster/protocol";

/** Bytes of events a client may fall behind by before its run is cancelled. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

export interface QueuedEvent {
  event: SandcasterEvent;
  seq: number;
  data: string;
}

/** One SSE frame, laid out as hono's writeSSE does (event, data, id). */
export function sseFrame({ event, seq, data }: QueuedEvent): string {
  return `event: ${event.type}\ndata: ${data}\nid: ${seq}\n\n`;
}

export class EventQueue {
  private items: QueuedEvent[] = [];
  private wake: (() => void) | undefined;
  private queuedBytes = 0;
  private closed = false;

  constructor(private readonly onOverflow: () => void) {}

  push(event: SandcasterEvent, seq: number): void {
    const data = JSON.stringify(event);
    this.queuedBytes += data.length;
    if (this.queuedBytes > MAX_QUEUED_BYTES) {
      this.onOverflow();
      return;
    }
    this.items.push({ event, seq, data });
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Yields everything queued so far as one batch (never empty), until closed and drained. */
  async *batches(): AsyncGenerator<QueuedEvent[]> {
    for (;;) {
      if (this.items.length > 0) {
        const batch = this.items;
        this.items = [];
        for (const item of batch) this.queuedBytes -= item.data.length;
        yield batch;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
