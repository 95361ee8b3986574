// Writes the events of every run in this process in shared batches: one transaction and one round
// of notifications per tick, instead of one per run (1,000 busy runs stay a handful of writes).
import type { Logger } from "pino";
import type { RunStore, StoredEvent } from "../store/run-store.js";

export interface EventWriterOptions {
  /** How long events wait to share a write. Default 50 ms. */
  delayMs?: number;
  /** A write starts at once when this many events are pending. Default 2000. */
  maxPending?: number;
}

export class EventWriter {
  private pending = new Map<string, StoredEvent[]>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly delayMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly store: RunStore,
    private readonly log: Logger,
    options: EventWriterOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 50;
    this.maxPending = options.maxPending ?? 2000;
  }

  add(runId: string, event: StoredEvent): void {
    let events = this.pending.get(runId);
    if (events === undefined) {
      events = [];
      this.pending.set(runId, events);
    }
    events.push(event);
    this.count++;
    if (this.count >= this.maxPending) void this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  /**
   * Writes everything pending now and wakes the watchers of those runs; resolves when it is
   * stored (or its loss is logged). Writes never overlap and never throw.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.pending].map(([runId, events]) => ({ runId, events }));
    const lost = this.count;
    this.pending = new Map();
    this.count = 0;
    this.writing = this.writing.then(async () => {
      if (batches.length === 0) return;
      try {
        await this.store.appendEventBatches(batches);
      } catch (error) {
        this.log.error({ err: error, lost, runs: batches.length }, "could not persist run events");
        return;
      }
      await this.store
        .notifyRuns(batches.map((batch) => batch.runId))
        .catch((error: unknown) => this.log.warn({ err: error }, "could not notify run watchers"));
    });
    return this.writing;
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
