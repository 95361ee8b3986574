// What every SSE body keeps whatever it writes to (a web ReadableStream, Node's ServerResponse):
// whether the client left and who is told, and writers waiting for the reader to want more.

export abstract class SseBodyState {
  aborted = false;
  /** Resolved when the reader wants more (or the stream ends): writers waiting for room. */
  private room: { promise: Promise<void>; resolve: () => void } | undefined;
  private listeners: (() => void)[] | undefined;

  onAbort(listener: () => void): void {
    if (this.aborted) {
      listener();
      return;
    }
    this.listeners ??= [];
    this.listeners.push(listener);
  }

  /** Resolves once the reader wants more (release). */
  protected waitForRoom(): Promise<void> {
    if (!this.room) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.room = { promise, resolve };
    }
    return this.room.promise;
  }

  /** The client is gone: writers are released and every listener hears it, once. */
  protected abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.release();
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // one listener's failure does not keep the others from hearing it
      }
    }
  }

  protected release(): void {
    const room = this.room;
    this.room = undefined;
    room?.resolve();
  }
}
