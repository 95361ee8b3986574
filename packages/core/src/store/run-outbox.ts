// Writes a run must not lose, queued per run and retried until they land: its record, its events,
// its id reservation and its outcome, the outcome always after the rest (a replay never sees an
// ended run without its last events).

import { OutboxRetry } from "./outbox-retry.js";
import { OutboxStalls, type StallListener } from "./outbox-stalls.js";
import { hasWrites, OutboxSteps, type RunWrites } from "./outbox-steps.js";
import type { RunStoreLogger } from "./run-notifier.js";
import type { NewRun, RunOutcome, RunStore, StoredEvent } from "./run-store.js";

export interface RunOutboxOptions {
  logger: RunStoreLogger;
  /** How long writes wait to share a round. Default 50 ms. */
  delayMs?: number | undefined;
  /** Backoff between failed rounds: from this, doubling. Default 100 ms. */
  retryMinMs?: number | undefined;
  /** … up to this: a database that is back is used again within a second. Default 1000 ms. */
  retryMaxMs?: number | undefined;
  /** A run whose writes have waited this long is reported stalled (and is ended by its instance). Default 30 000. */
  stallMs?: number | undefined;
  /** Past this many bytes of waiting events, every run with waiting events is reported stalled. Default 64 MiB. */
  maxPendingBytes?: number | undefined;
  /** Events written per round at most (one transaction). Default 10 000. */
  maxEventsPerRound?: number | undefined;
}

export interface OutboxStats {
  runs: number;
  events: number;
  bytes: number;
  failedRounds: number;
  /** How long writes have been failing without one round landing; 0 while they land. */
  failingForMs: number;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class RunOutbox {
  private readonly runs = new Map<string, RunWrites>();
  private readonly delayMs: number;
  private readonly maxPendingBytes: number;
  private readonly maxEventsPerRound: number;
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private bytes = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly steps: OutboxSteps;
  private readonly retry: OutboxRetry;
  private readonly stalls: OutboxStalls;

  constructor(
    private readonly inner: RunStore,
    private readonly options: RunOutboxOptions,
  ) {
    this.delayMs = options.delayMs ?? 50;
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
    this.maxEventsPerRound = options.maxEventsPerRound ?? 10_000;
    this.steps = new OutboxSteps(inner, options.logger, this.maxEventsPerRound);
    this.stalls = new OutboxStalls(options.logger, options.stallMs ?? 30_000, this.maxPendingBytes);
    this.retry = new OutboxRetry(options.logger, {
      retryMinMs: options.retryMinMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 1000,
    });
  }

  /** Epoch ms of the last round that failed; 0 if none did. */
  get lastFailedAt(): number {
    return this.retry.lastFailedAt;
  }

  onStall(listener: StallListener): () => void {
    return this.stalls.onStall(listener);
  }

  stats(): OutboxStats {
    let events = 0;
    for (const run of this.runs.values()) events += run.events.length;
    return {
      runs: this.runs.size,
      events,
      bytes: this.bytes,
      failedRounds: this.retry.failedRounds,
      failingForMs: this.retry.failingForMs(),
    };
  }

  /** Runs with writes still waiting: their instance keeps stamping them alive. */
  pendingRunIds(): string[] {
    return [...this.runs.keys()];
  }

  record(run: NewRun): Promise<void> {
    const writes = this.writesOf(run.id);
    writes.record = run;
    // Not batched: the run's first event waits for it.
    this.schedule(0);
    return this.waitFor(writes, (w) => w.record === undefined);
  }

  /** Queues events; nothing to wait for (see eventsOf). */
  queue(runId: string, events: readonly StoredEvent[]): RunWrites {
    const writes = this.writesOf(runId);
    for (const event of events) {
      // The size of the text the store will hold; a rough figure is enough for the bound.
      const bytes = 64 + ("content" in event.event ? event.event.content.length : 0);
      writes.events.push(event);
      writes.sizes.push(bytes);
      writes.bytes += bytes;
      this.bytes += bytes;
    }
    writes.queued += events.length;
    if (this.bytes > this.maxPendingBytes) this.stalls.overflowed(this.runs, "events");
    return writes;
  }

  events(runId: string, events: readonly StoredEvent[]): Promise<void> {
    const writes = this.queue(runId, events);
    const target = writes.queued;
    return this.waitFor(writes, (w) => w.written >= target);
  }

  reserve(runId: string, upTo: number): void {
    const writes = this.writesOf(runId);
    writes.reserve = Math.max(writes.reserve ?? 0, upTo);
    this.schedule(this.delayMs);
  }

  /**
   * Queues the run's outcome (and the event that ended it, stored in the same transaction), written
   * after every event queued before it. Resolves once stored; rejects with why it never will be
   * (RunAlreadyEndedError: the run was declared lost meanwhile, and neither was written).
   */
  async finish(runId: string, outcome: RunOutcome, terminal?: StoredEvent): Promise<void> {
    const writes = this.writesOf(runId);
    writes.finish = outcome;
    writes.terminal = terminal;
    writes.finishFailure = undefined;
    // Not batched: the run's client hears its end only once this lands. The round still writes
    // the run's waiting events first (outcomes go last), so nothing is reordered.
    this.schedule(0);
    await this.waitFor(writes, (w) => w.finish === undefined);
    if (writes.finishFailure !== undefined) throw writes.finishFailure;
  }

  /**
   * Gives up a run whose record is still waiting (its caller told the client 503 and started
   * nothing): a record not yet sent is forgotten with the rest of the run's writes; one that is
   * being written, or has landed, is ended with `outcome` and `terminal`, so no record stays
   * `running` and none says how it ended without its terminal event.
   */
  withdraw(runId: string, outcome: RunOutcome, terminal?: StoredEvent): void {
    const writes = this.runs.get(runId);
    if (writes?.record !== undefined && !writes.recording) {
      this.runs.delete(runId);
      this.bytes -= writes.bytes;
      for (const waiter of writes.waiters.splice(0)) waiter.resolve();
      if (this.runs.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.finish(runId, outcome, terminal).catch((error: unknown) => {
      this.options.logger.warn(
        { runId, err: describe(error) },
        "run store: a withdrawn run could not be ended",
      );
    });
  }

  /** Resolves once nothing waits (every write landed or was dropped), or after `timeoutMs`; true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.runs.size === 0) return true;
    this.schedule(0);
    let timer: NodeJS.Timeout | undefined;
    const empty = await Promise.race([
      new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return empty;
  }

  /** Stops retrying; what still waits is reported (never dropped silently). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const stats = this.stats();
    if (stats.runs > 0) {
      this.options.logger.warn(
        { runs: stats.runs, events: stats.events, ids: this.pendingRunIds().slice(0, 20) },
        "run store: closed with writes that never reached the store; these runs lose them",
      );
    }
  }

  private writesOf(runId: string): RunWrites {
    let writes = this.runs.get(runId);
    if (writes === undefined) {
      writes = {
        record: undefined,
        recording: false,
        events: [],
        sizes: [],
        bytes: 0,
        reserve: undefined,
        finish: undefined,
        terminal: undefined,
        finishFailure: undefined,
        since: Date.now(),
        stalled: false,
        queued: 0,
        written: 0,
        waiters: [],
      };
      this.runs.set(runId, writes);
    }
    this.schedule(this.delayMs);
    return writes;
  }

  /** Resolves once every event queued so far for `runId` landed (or was dropped); at once when none wait. */
  eventsOf(runId: string): Promise<void> {
    const writes = this.runs.get(runId);
    if (writes === undefined) return Promise.resolve();
    this.schedule(0);
    const target = writes.queued;
    return this.waitFor(writes, (w) => w.written >= target);
  }

  private waitFor(writes: RunWrites, done: (writes: RunWrites) => boolean): Promise<void> {
    return new Promise((resolve) => writes.waiters.push({ done, resolve }));
  }

  private schedule(delayMs: number): void {
    if (this.writing) return;
    if (this.timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => void this.round(), delayMs);
    this.timer.unref();
  }

  /** One round: records, then events, then reservations, then outcomes; stops at the first outage. */
  private async round(): Promise<void> {
    this.timer = undefined;
    if (this.writing) return;
    this.writing = true;
    let failed: unknown;
    const notify = new Set<string>();
    const progressed = new Set<string>();
    try {
      failed = await this.steps.records(this.runs, progressed);
      if (failed === undefined) {
        const events = await this.steps.events(this.runs, notify, progressed);
        this.bytes -= events.freed;
        failed = events.outage;
      }
      failed ??= await this.steps.reservations(this.runs, progressed);
      failed ??= await this.steps.outcomes(this.runs, notify, progressed);
    } finally {
      this.writing = false;
    }
    const now = Date.now();
    // A run whose writes keep landing is not stalled, however long it streams.
    for (const runId of progressed) {
      const writes = this.runs.get(runId);
      if (writes) writes.since = now;
    }
    this.release();
    if (notify.size > 0) {
      await this.inner.notifyRuns([...notify]).catch((error: unknown) => {
        this.options.logger.warn({ err: describe(error) }, "run store: could not notify watchers");
      });
    }
    this.stalls.checkAges(this.runs, now);
    if (failed !== undefined) {
      this.schedule(this.retry.failed(failed, now, () => this.stats()));
      return;
    }
    this.retry.landed();
    // Writes queued during this round (and what a capped round left) go next.
    if (this.runs.size > 0) this.schedule(this.hasWork() ? 0 : this.delayMs);
  }

  private hasWork(): boolean {
    for (const writes of this.runs.values()) if (hasWrites(writes)) return true;
    return false;
  }

  /** Resolves the waiters whose writes landed; forgets runs with nothing left to write. */
  private release(): void {
    for (const [runId, writes] of this.runs) {
      const waiting = writes.waiters;
      writes.waiters = waiting.filter((waiter) => !waiter.done(writes));
      for (const waiter of waiting) if (!writes.waiters.includes(waiter)) waiter.resolve();
      if (hasWrites(writes)) continue;
      this.runs.delete(runId);
      for (const waiter of writes.waiters.splice(0)) waiter.resolve();
    }
    if (this.runs.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
