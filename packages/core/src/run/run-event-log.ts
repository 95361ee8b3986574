// Numbers a run's events (the SSE ids) and hands them to the shared writer, so any instance can
// replay them.
import { isDeltaEvent, type SandcasterEvent } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { EventWriter } from "./event-writer.js";

export class RunEventLog {
  private seq = 0;
  private kept = 0;
  private capped = false;

  constructor(
    private readonly runId: string,
    private readonly writer: EventWriter,
    private readonly maxPerRun: number,
    private readonly log: Logger,
  ) {}

  /**
   * The event's seq. Past the per-run bound, deltas and live tool output stream live but are not
   * kept for replay.
   */
  record(event: SandcasterEvent): number {
    const seq = ++this.seq;
    const live = isDeltaEvent(event) || event.type === "tool_output";
    if (this.kept < this.maxPerRun || !live) {
      this.kept++;
      this.writer.add(this.runId, { seq, event });
    } else if (!this.capped) {
      this.capped = true;
      this.log.warn(
        { maxPerRun: this.maxPerRun },
        "event limit reached: deltas are no longer kept for replay",
      );
    }
    return seq;
  }

  /** Resolves once every event recorded so far is stored (or its loss logged). */
  flush(): Promise<void> {
    return this.writer.flush();
  }
}
