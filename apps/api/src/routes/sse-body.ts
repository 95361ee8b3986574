// An SSE response body that costs little per open stream: one ReadableStream the HTTP server reads,
// written to directly (hono's streamSSE puts a TransformStream, a second ReadableStream, a writer
// and a TextEncoder in front of it), and one heartbeat timer per interval shared by every stream.

import { SseBodyState } from "./sse-body-state.js";

/** What a route writes an event stream through. */
export interface SseStream {
  /** True once the client is gone: writes do nothing from then on. */
  readonly aborted: boolean;
  /** Queues `text`; resolves when the client has taken what was queued before (backpressure). */
  write(text: string): Promise<void>;
  /** Called once when the client goes away. */
  onAbort(listener: () => void): void;
}

export class SseBody extends SseBodyState implements SseStream {
  private closed = false;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  readonly readable: ReadableStream<Uint8Array>;

  constructor() {
    super();
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      pull: () => this.release(),
      // The server cancels its reader when the socket closes: the client is gone.
      cancel: () => this.abort(),
    });
  }

  /** Whether the reader has taken everything queued (a heartbeat may go out without queueing up). */
  get idle(): boolean {
    return !this.closed && !this.aborted && (this.controller?.desiredSize ?? 0) > 0;
  }

  async write(text: string): Promise<void> {
    const controller = this.controller;
    if (this.aborted || this.closed || !controller) return;
    controller.enqueue(Buffer.from(text));
    if ((controller.desiredSize ?? 0) > 0) return;
    await this.waitForRoom();
  }

  /** Ends the body after what was written; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.controller?.close();
    } catch {
      // already cancelled by the server
    }
    this.release();
  }
}

const HEARTBEAT = ": heartbeat\n\n";
/** A body the heartbeat writes to: SseBody or NodeSseBody. */
interface Beating {
  readonly idle: boolean;
  write(text: string): Promise<void>;
}
const beats = new Map<number, { timer: NodeJS.Timeout; bodies: Set<Beating> }>();

/**
 * Sends `body` a heartbeat comment every `everyMs` while it is idle (a client that is not reading
 * gets none queued). One timer per interval for all streams; returns the stop function.
 */
export function heartbeat(body: Beating, everyMs: number): () => void {
  let beat = beats.get(everyMs);
  if (!beat) {
    const bodies = new Set<Beating>();
    const timer = setInterval(() => {
      for (const each of bodies) if (each.idle) void each.write(HEARTBEAT);
    }, everyMs);
    // Open streams keep the server alive, not their heartbeat.
    timer.unref();
    beat = { timer, bodies };
    beats.set(everyMs, beat);
  }
  const { bodies, timer } = beat;
  bodies.add(body);
  return () => {
    bodies.delete(body);
    if (bodies.size === 0 && beats.get(everyMs)?.timer === timer) {
      clearInterval(timer);
      beats.delete(everyMs);
    }
  };
}
