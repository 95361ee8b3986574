// Run history: a run is recorded when it starts and finished with its outcome. Never holds secrets.
import type { RunRecord, RunStatus, Usage } from "@sandcaster/protocol";

export interface NewRun {
  id: string;
  /** Already cut to a preview by the caller. */
  prompt: string;
  model?: string | undefined;
  provider?: string | undefined;
  sandboxProvider?: string | undefined;
  startedAt: Date;
  metadata?: Record<string, string> | undefined;
}

export interface RunOutcome {
  status: Exclude<RunStatus, "queued" | "running">;
  endedAt: Date;
  durationSecs: number;
  numTurns?: number | undefined;
  costUsd?: number | undefined;
  usage?: Usage | undefined;
  error?: { code: string; message: string } | undefined;
  filesCount: number;
  /** The model actually used, when the runner resolved an alias. */
  model?: string | undefined;
  provider?: string | undefined;
}

export interface ListRunsQuery {
  limit: number;
  status?: RunStatus | undefined;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
}

export interface RunPage {
  runs: RunRecord[];
  /** Present when more runs follow. */
  nextCursor?: string | undefined;
}

export interface RunStore {
  /** Creates or upgrades the schema. Safe to call on every start. */
  migrate(): Promise<void>;
  createRun(run: NewRun): Promise<void>;
  finishRun(id: string, outcome: RunOutcome): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first (startedAt, then id, descending). */
  listRuns(query: ListRunsQuery): Promise<RunPage>;
  /**
   * Ends a run with an error only if it is still `running` (a lost sandbox reported from outside);
   * true when it did.
   */
  failRunIfRunning(
    id: string,
    error: { code: string; message: string },
    endedAt: Date,
  ): Promise<boolean>;
  /** Remembers a webhook delivery; false when this id was seen before (E2B retries deliveries). */
  recordWebhookEvent(source: string, id: string, receivedAt: Date): Promise<boolean>;
  /** A cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A cursor that does not decode is a caller error, answered with 400. */
export class InvalidCursorError extends Error {
  readonly code = "INVALID_CURSOR";
  constructor() {
    super("cursor is not valid; pass the nextCursor of a previous page");
    this.name = "InvalidCursorError";
  }
}
