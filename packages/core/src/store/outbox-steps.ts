// The steps of one outbox round, each over every run with something waiting: records, events,
// reservations, outcomes. A step stops at the first outage and says which; a statement that can
// never succeed is retried a few times, then dropped with a warning (never silently).
import type { RunStoreLogger } from "./run-notifier.js";
import {
  type NewRun,
  RunAlreadyEndedError,
  type RunOutcome,
  type RunStore,
  type StoredEvent,
} from "./run-store.js";
import { isStoreUnavailable } from "./store-unavailable-error.js";

/** What one run still has to write, in the order it must land. */
export interface RunWrites {
  record: NewRun | undefined;
  /** True while `record` is being written (it may land even if the call then fails). */
  recording: boolean;
  events: StoredEvent[];
  /** The size of each waiting event, as counted into `bytes`. */
  sizes: number[];
  bytes: number;
  reserve: number | undefined;
  finish: RunOutcome | undefined;
  /** The event that ended the run: stored with `finish`, in its transaction. */
  terminal: StoredEvent | undefined;
  /** Why `finish` was given up (the run had already ended, or the statement can never succeed). */
  finishFailure: unknown;
  /** Epoch ms when the oldest waiting write was queued. */
  since: number;
  stalled: boolean;
  /** Events queued and events written (or dropped) so far: a waiter waits for a count. */
  queued: number;
  written: number;
  waiters: Waiter[];
}

export interface Waiter {
  done: (writes: RunWrites) => boolean;
  resolve: () => void;
}

/** True while the run still has something to write. */
export function hasWrites(writes: RunWrites): boolean {
  return Boolean(
    writes.record || writes.events.length || writes.reserve !== undefined || writes.finish,
  );
}

/** A statement that can never succeed (not an outage): retried a few times, then dropped loudly. */
const MAX_HARD_FAILURES = 3;

function isDuplicateKey(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class OutboxSteps {
  private hardFailures = 0;

  constructor(
    private readonly inner: RunStore,
    private readonly logger: RunStoreLogger,
    private readonly maxEventsPerRound: number,
  ) {}

  /** undefined when the step went through; else the outage that stopped it. */
  private async attempt(what: string, runId: string | undefined, write: () => Promise<void>) {
    try {
      await write();
      this.hardFailures = 0;
      return { ok: true as const };
    } catch (error) {
      if (isStoreUnavailable(error)) return { ok: false as const, outage: error };
      if (RunAlreadyEndedError.isInstance(error)) {
        // Declared lost while its writes waited: its status and terminal event stay as they are.
        this.logger.warn({ runId, err: error.message }, `run store: ${what} came too late`);
        return { ok: true as const, dropped: error };
      }
      if (++this.hardFailures < MAX_HARD_FAILURES) return { ok: false as const, outage: error };
      this.hardFailures = 0;
      this.logger.warn(
        { runId, err: describe(error) },
        `run store: ${what} failed for good and is dropped`,
      );
      return { ok: true as const, dropped: error };
    }
  }

  async records(runs: Map<string, RunWrites>, progressed: Set<string>): Promise<unknown> {
    for (const [runId, writes] of runs) {
      const record = writes.record;
      if (record === undefined) continue;
      writes.recording = true;
      const result = await this.attempt("the run record", runId, async () => {
        try {
          await this.inner.createRun(record);
        } catch (error) {
          // An earlier attempt landed but its answer was lost (the connection died after the commit).
          if (!isDuplicateKey(error)) throw error;
        } finally {
          writes.recording = false;
        }
      });
      if (!result.ok) return result.outage;
      writes.record = undefined;
      progressed.add(runId);
    }
    return undefined;
  }

  /**
   * One transaction for every run's waiting events (up to the per-round cap); freed: their bytes.
   * A run whose record has not landed yet is skipped: no reader may find events of a run that
   * GET /runs/:id (or a cancel) would answer 404 for.
   */
  async events(
    runs: Map<string, RunWrites>,
    notify: Set<string>,
    progressed: Set<string>,
  ): Promise<{ outage: unknown; freed: number }> {
    const batches: { runId: string; events: StoredEvent[] }[] = [];
    let count = 0;
    let freed = 0;
    for (const [runId, writes] of runs) {
      if (writes.record !== undefined || writes.events.length === 0) continue;
      if (count >= this.maxEventsPerRound) continue;
      const events = writes.events.slice(0, this.maxEventsPerRound - count);
      count += events.length;
      batches.push({ runId, events });
    }
    if (batches.length === 0) return { outage: undefined, freed };
    const result = await this.attempt("a batch of run events", undefined, () =>
      this.inner.appendEventBatches(batches),
    );
    if (!result.ok) return { outage: result.outage, freed };
    for (const { runId, events } of batches) {
      const writes = runs.get(runId);
      if (writes === undefined) continue;
      const written = writes.events.splice(0, events.length);
      const bytes = writes.sizes.splice(0, events.length).reduce((sum, size) => sum + size, 0);
      writes.bytes -= bytes;
      freed += bytes;
      writes.written += written.length;
      notify.add(runId);
      progressed.add(runId);
    }
    return { outage: undefined, freed };
  }

  async reservations(runs: Map<string, RunWrites>, progressed: Set<string>): Promise<unknown> {
    for (const [runId, writes] of runs) {
      const upTo = writes.reserve;
      if (upTo === undefined || writes.record !== undefined) continue;
      const result = await this.attempt("an event id reservation", runId, () =>
        this.inner.reserveEventIds(runId, upTo),
      );
      if (!result.ok) return result.outage;
      if (writes.reserve === upTo) writes.reserve = undefined;
      progressed.add(runId);
    }
    return undefined;
  }

  /** Outcomes of runs with nothing else waiting: a run's outcome always lands after its events. */
  async outcomes(
    runs: Map<string, RunWrites>,
    notify: Set<string>,
    progressed: Set<string>,
  ): Promise<unknown> {
    for (const [runId, writes] of runs) {
      const outcome = writes.finish;
      if (outcome === undefined || writes.record !== undefined || writes.events.length > 0)
        continue;
      const terminal = writes.terminal;
      const result = await this.attempt("the run outcome", runId, () =>
        this.inner.finishRun(runId, outcome, terminal),
      );
      if (!result.ok) return result.outage;
      writes.finish = undefined;
      writes.terminal = undefined;
      if ("dropped" in result) writes.finishFailure = result.dropped;
      notify.add(runId);
      progressed.add(runId);
    }
    return undefined;
  }
}
