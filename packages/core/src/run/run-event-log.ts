// Numbers a run's events (the SSE ids), reserves ids in the store ahead of sending them, and hands
// the events to the shared writer so that any instance can replay them.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { EVENT_ID_BLOCK } from "../store/run-events.js";
import type { EventWriter } from "./event-writer.js";

/** Run-end and lifecycle events: kept for replay even past the per-run bound. */
function isEssential(event: SandcasterEvent): boolean {
  return event.type === "result" || event.type === "error" || event.type === "system";
}

/** How long the end of a run waits for its events to be stored; the writer keeps trying after it. */
const FLUSH_WAIT_MS = 3000;

export class RunEventLog {
  private seq = 0;
  private kept = 0;
  private capped = false;
  /** The record reserves the first block with the run (createRun). */
  private reserved = EVENT_ID_BLOCK;

  constructor(
    private readonly runId: string,
    private readonly writer: EventWriter,
    private readonly maxPerRun: number,
    private readonly log: Logger,
  ) {}

  /**
   * The event's seq. Past the per-run bound only essential events are kept for replay; the first
   * event dropped is replaced, under its own id, by a warning that says so (one per run).
   */
  record(event: SandcasterEvent): number {
    const seq = this.next();
    if (this.kept < this.maxPerRun || isEssential(event)) {
      this.kept++;
      this.writer.add(this.runId, { seq, event });
    } else if (!this.capped) {
      this.capped = true;
      const content = `event limit reached (events.maxPerRun = ${this.maxPerRun}): later events of this run were streamed live but are not kept for replay, except its end`;
      this.log.warn(
        { maxPerRun: this.maxPerRun },
        "event limit reached: only the run's end is kept",
      );
      this.writer.add(this.runId, {
        seq,
        event: { type: "warning", code: "EVENTS_TRUNCATED", content },
      });
    }
    return seq;
  }

  /**
   * The seq of the run's last event, which is not queued here: it is stored with the run's outcome
   * (in one transaction), and streamed only once stored.
   */
  numberEnd(): number {
    return this.next();
  }

  private next(): number {
    const seq = ++this.seq;
    // Half a block ahead: the reservation lands long before the ids are used.
    if (seq > this.reserved - EVENT_ID_BLOCK / 2) {
      this.reserved = seq + EVENT_ID_BLOCK;
      this.writer.reserve(this.runId, this.reserved);
    }
    return seq;
  }

  /**
   * Resolves once every event recorded so far is stored, or after a few seconds: the store keeps
   * them queued in order (and records the run's outcome only after them), so waiting longer only
   * holds the client.
   */
  async flush(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.writer.flush(this.runId),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FLUSH_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}
