// Which runs' writes are stuck, told once per run to whoever listens (the run's instance ends it
// with STORE_UNAVAILABLE): writes waiting longer than the stall time, or, past the byte bound, every
// run with events waiting.

import type { RunWrites } from "./outbox-steps.js";
import type { RunStoreLogger } from "./run-notifier.js";

/** Why a run's writes are stuck; its instance ends the run with STORE_UNAVAILABLE. */
export type StallListener = (runId: string, message: string) => void;

export class OutboxStalls {
  private readonly listeners = new Set<StallListener>();

  constructor(
    private readonly logger: RunStoreLogger,
    private readonly stallMs: number,
    private readonly maxPendingBytes: number,
  ) {}

  onStall(listener: StallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reports the runs whose oldest waiting write is older than the stall time. */
  checkAges(runs: ReadonlyMap<string, RunWrites>, now: number): void {
    for (const [runId, writes] of runs) {
      if (writes.stalled || now - writes.since < this.stallMs) continue;
      writes.stalled = true;
      this.emit(
        runId,
        `the run's records could not be stored for ${Math.round((now - writes.since) / 1000)}s (the store is unavailable)`,
      );
    }
  }

  /** Past the byte bound: reports every run with events waiting. */
  overflowed(runs: ReadonlyMap<string, RunWrites>, what: string): void {
    for (const [runId, writes] of runs) {
      if (writes.stalled || writes.events.length === 0) continue;
      writes.stalled = true;
      this.emit(
        runId,
        `too many ${what} are waiting for the store (over ${this.maxPendingBytes} bytes); the store is unavailable`,
      );
    }
  }

  private emit(runId: string, message: string): void {
    this.logger.warn({ runId, reason: message }, "run store: run writes stalled");
    for (const listener of this.listeners) listener(runId, message);
  }
}
