// Numbers a run's events (the SSE ids) and persists them in batches, so any instance can replay them.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { RunStore, StoredEvent } from "../store/run-store.js";

const FLUSH_DELAY_MS = 50;
const FLUSH_BATCH = 200;

function isDelta(event: SandcasterEvent): boolean {
  return (event.type === "assistant" || event.type === "thinking") && event.subtype === "delta";
}

export class RunEventLog {
  private seq = 0;
  private stored = 0;
  private pending: StoredEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private capped = false;

  constructor(
    private readonly runId: string,
    private readonly store: RunStore,
    private readonly maxPerRun: number,
    private readonly log: Logger,
  ) {}

  /** The event's seq. Past the per-run bound, deltas stream live but are not kept for replay. */
  record(event: SandcasterEvent): number {
    const seq = ++this.seq;
    if (this.stored + this.pending.length < this.maxPerRun || !isDelta(event)) {
      this.pending.push({ seq, event });
    } else if (!this.capped) {
      this.capped = true;
      this.log.warn(
        { maxPerRun: this.maxPerRun },
        "event limit reached: deltas are no longer kept for replay",
      );
    }
    if (this.pending.length >= FLUSH_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
    return seq;
  }

  /** Writes what is pending, then wakes watchers; flushes never overlap and never throw. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.appendEvents(this.runId, batch);
        this.stored += batch.length;
        await this.store.notifyRun(this.runId);
      } catch (error) {
        this.log.error({ err: error, lost: batch.length }, "could not persist run events");
      }
    });
    return this.flushing;
  }
}
