// How the outbox's rounds fail and recover: the backoff before the next try, since when writes
// have been failing, and the log lines an operator reads (the first failure, every 20th, recovery).

import type { RunStoreLogger } from "./run-notifier.js";

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface OutboxRetryOptions {
  /** Backoff between failed rounds: from this, doubling. */
  retryMinMs: number;
  /** … up to this. */
  retryMaxMs: number;
}

export class OutboxRetry {
  /** Failed rounds since the last one that landed. */
  private failures = 0;
  /** Failed rounds ever. */
  failedRounds = 0;
  /** Epoch ms of the first failed round since the last one that landed. */
  private failingSince: number | undefined;
  /** Epoch ms of the last round that failed; 0 if none did. */
  lastFailedAt = 0;

  constructor(
    private readonly logger: RunStoreLogger,
    private readonly options: OutboxRetryOptions,
  ) {}

  /** How long writes have been failing without one round landing; 0 while they land. */
  failingForMs(now = Date.now()): number {
    return this.failingSince === undefined ? 0 : now - this.failingSince;
  }

  /** Notes a failed round; returns how long to wait before the next (with up to 20 % jitter). */
  failed(error: unknown, now: number, stats: () => object): number {
    this.failedRounds++;
    this.failingSince ??= now;
    this.lastFailedAt = now;
    const { retryMinMs, retryMaxMs } = this.options;
    const delayMs = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(this.failures, 10));
    this.failures++;
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.logger.warn(
        { err: describe(error), retryInMs: delayMs, failures: this.failures, ...stats() },
        "run store: writes failed; retrying (nothing is dropped)",
      );
    }
    return delayMs + Math.floor(Math.random() * delayMs * 0.2);
  }

  /** Notes a round that landed. */
  landed(): void {
    if (this.failures > 0) {
      (this.logger.info ?? this.logger.warn).call(
        this.logger,
        { failures: this.failures },
        "run store: writes land again",
      );
    }
    this.failures = 0;
    this.failingSince = undefined;
  }
}
