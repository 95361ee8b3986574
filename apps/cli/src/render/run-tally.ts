// Follows a run's events to know how it ended: the status, result and error a summary and exit code need.
import {
  ERROR_CODES,
  type ErrorEvent,
  type ResultEvent,
  type RunStatus,
  type SandcasterEvent,
} from "@sandcaster/protocol";

export type EndStatus = Exclude<RunStatus, "queued">;

export interface RunSummary {
  status: EndStatus;
  /** A result's subtype other than success, e.g. error_max_turns. */
  subtype?: string | undefined;
  errorCode?: string | undefined;
  numTurns?: number | undefined;
  usage?: ResultEvent["usage"];
  costUsd?: number | undefined;
  durationSecs?: number | undefined;
  files: number;
}

export class RunTally {
  runId: string | undefined;
  sandboxProvider: string | undefined;
  result: ResultEvent | undefined;
  error: ErrorEvent | undefined;
  files = 0;

  observe(event: SandcasterEvent): void {
    if (event.type === "system" && event.subtype === "init") {
      this.runId = event.runId ?? this.runId;
      this.sandboxProvider = event.sandboxProvider;
    } else if (event.type === "result") this.result = event;
    else if (event.type === "error") this.error ??= event;
    else if (event.type === "file") this.files++;
  }

  /** "running" until a result or an error arrived. */
  get status(): EndStatus {
    if (this.result) return "completed";
    if (!this.error) return "running";
    return this.error.code === ERROR_CODES.CANCELLED ? "cancelled" : "error";
  }

  /** `elapsedSecs` stands in for the duration of a run that ended without a result. */
  summary(elapsedSecs?: number): RunSummary {
    const r = this.result;
    return {
      status: this.status,
      files: this.files,
      ...(r?.subtype && r.subtype !== "success" ? { subtype: r.subtype } : {}),
      ...(this.error?.code && !r ? { errorCode: this.error.code } : {}),
      numTurns: r?.numTurns,
      usage: r?.usage,
      costUsd: r?.costUsd,
      durationSecs: r?.durationSecs ?? elapsedSecs,
    };
  }
}
