// Writes the events of every run in this process through the store's outbox: shared batches (one
// transaction and one round of notifications per tick for all runs), retried through outages and
// never dropped. A store that is not durable yet (a bare one in tests) gets an outbox of its own.
import type { Logger } from "pino";
import {
  createDurableRunStore,
  type DurableRunStore,
  isDurableRunStore,
} from "../store/durable-run-store.js";
import type { RunStore, StoredEvent } from "../store/run-store.js";

export interface EventWriterOptions {
  /** How long events wait to share a write (a bare store only; a durable one has its own). Default 50 ms. */
  delayMs?: number;
}

export class EventWriter {
  private readonly sink: DurableRunStore;

  constructor(store: RunStore, log: Logger, options: EventWriterOptions = {}) {
    this.sink = isDurableRunStore(store)
      ? store
      : createDurableRunStore(store, { logger: log, delayMs: options.delayMs });
  }

  add(runId: string, event: StoredEvent): void {
    this.sink.queueEvents(runId, [event]);
  }

  /** Raises the run's event id reservation (written with its next batch). */
  reserve(runId: string, upTo: number): void {
    void this.sink.reserveEventIds(runId, upTo);
  }

  /** Resolves once every event of `runId` added so far is stored; never rejects. */
  flush(runId: string): Promise<void> {
    return this.sink.eventsStored(runId);
  }
}

const shared = new WeakMap<RunStore, EventWriter>();

/** One writer per store in a process, so that all runs share its batches. */
export function sharedEventWriter(store: RunStore, log: Logger): EventWriter {
  let writer = shared.get(store);
  if (writer === undefined) {
    writer = new EventWriter(store, log);
    shared.set(store, writer);
  }
  return writer;
}
