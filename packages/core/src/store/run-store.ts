// Run history: a run is recorded when it starts and finished with its outcome. Never holds secrets.
import type { RunKind, RunRecord, RunStatus, SandcasterEvent, Usage } from "@sandcaster/protocol";
import type { AgentStore } from "./agents-store.js";
import type { SessionStore } from "./session-store.js";
import type { WebhookStore } from "./webhook-store.js";

/** One event of a run as persisted: `seq` is the SSE id (1, 2, … per run). */
export interface StoredEvent {
  seq: number;
  event: SandcasterEvent;
}

export interface NewRun {
  id: string;
  /** Already cut to a preview by the caller. */
  prompt: string;
  model?: string | undefined;
  provider?: string | undefined;
  sandboxProvider?: string | undefined;
  startedAt: Date;
  metadata?: Record<string, string> | undefined;
  sessionId?: string | undefined;
  /** Absent for an agent run. */
  kind?: "pipeline" | "agent" | undefined;
  /** The run's OpenTelemetry trace id, when traces are on. */
  traceId?: string | undefined;
}

export interface RunOutcome {
  status: Exclude<RunStatus, "queued" | "running">;
  endedAt: Date;
  durationSecs: number;
  numTurns?: number | undefined;
  costUsd?: number | undefined;
  usage?: Usage | undefined;
  /** `exitCode`: AGENT_FAILED's, when the agent exited with one (not killed by a signal). */
  error?: { code: string; message: string; exitCode?: number | undefined } | undefined;
  filesCount: number;
  /** The model actually used, when the runner resolved an alias. */
  model?: string | undefined;
  provider?: string | undefined;
  /** A branching run's summary: branches run, the winner, the evaluator. */
  branching?: RunBranching | undefined;
}

export interface RunBranching {
  count: number;
  winnerId?: string | undefined;
  evaluator: string;
}

export interface ListRunsQuery {
  limit: number;
  status?: RunStatus | undefined;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
  /** Only the turns of this session. */
  sessionId?: string | undefined;
  /** Only runs of this kind (`query`: runs recorded without one). */
  kind?: RunKind | undefined;
  /** Only runs whose id starts with this (compared as is, `_` and `%` included). */
  idPrefix?: string | undefined;
}

export interface RunPage {
  runs: RunRecord[];
  /** Present when more runs follow. */
  nextCursor?: string | undefined;
}

export interface RunEventBatch {
  runId: string;
  events: readonly StoredEvent[];
}

export interface RunAdmissionFacts {
  traceId?: string | undefined;
  sessionId?: string | undefined;
  sandboxProvider?: string | undefined;
}

export interface RunStore {
  /** Sessions live in the same database. */
  readonly sessions: SessionStore;
  /** Run-completion webhook deliveries live there too. */
  readonly webhooks: WebhookStore;
  /** Custom agents, their versions and sealed secrets (agents-store.ts); absent in test doubles. */
  readonly agents?: AgentStore | undefined;
  /** Creates or upgrades the schema. Safe to call on every start. */
  migrate(): Promise<void>;
  /** Records a running run; its first EVENT_ID_BLOCK event ids count as reserved (implicitly). */
  createRun(run: NewRun): Promise<void>;
  /**
   * Records how a running run ended, with `terminal` (the event that ended it, which its client is
   * shown only after this) stored in the same transaction. Throws RunAlreadyEndedError when the run
   * was already ended (declared lost by another instance), changing and storing nothing.
   */
  finishRun(id: string, outcome: RunOutcome, terminal?: StoredEvent): Promise<void>;
  /** Records the provider's id of the run's sandbox once it is ready. */
  recordSandbox(id: string, sandboxId: string): Promise<void>;
  /**
   * Records what a run recorded while queued learned when it left the queue: its trace id, its
   * session (a turn's session is begun after admission) and that session's sandbox provider.
   * Only the fields given are written.
   */
  recordAdmission(id: string, facts: RunAdmissionFacts): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first (startedAt, then id, descending). */
  listRuns(query: ListRunsQuery): Promise<RunPage>;
  /**
   * Ends a run with an error only if it is still `running` (a lost sandbox reported from outside);
   * true when it did. `terminal` is then stored in the same transaction, as appendEventAtEnd does
   * (pass it rather than calling appendEventAtEnd after: a replay in between would see the run
   * ended without it).
   */
  failRunIfRunning(
    id: string,
    error: { code: string; message: string },
    endedAt: Date,
    terminal?: SandcasterEvent,
  ): Promise<boolean>;
  /** Remembers a webhook delivery; false when this id was seen before (E2B retries deliveries). */
  recordWebhookEvent(source: string, id: string, receivedAt: Date): Promise<boolean>;
  /** Persists events of a run (seq strictly increasing per run); duplicates of a seq are ignored. */
  appendEvents(runId: string, events: readonly StoredEvent[]): Promise<void>;
  /** appendEvents for several runs in one transaction (the batched writer of busy instances). */
  appendEventBatches(batches: readonly RunEventBatch[]): Promise<void>;
  /** Raises the highest event id the run may send live (see EVENT_ID_BLOCK); never lowers it. */
  reserveEventIds(runId: string, upTo: number): Promise<void>;
  /**
   * One event after the run's last stored one and after its reserved ids (how a run ended from
   * outside); its seq.
   */
  appendEventAtEnd(runId: string, event: SandcasterEvent): Promise<number>;
  /** Events with seq > afterSeq, in order, at most `limit`. */
  readEvents(runId: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  /** Deletes events of runs that ended before `before`; returns how many events went. */
  pruneEvents(before: Date): Promise<number>;
  /** Asks whichever instance runs `runId` to cancel it; false when the run is not running. */
  requestCancel(runId: string): Promise<boolean>;
  isCancelRequested(runId: string): Promise<boolean>;
  /**
   * Every run still running with a cancel request, on any instance: one indexed query whose cost
   * is the number of pending cancels, not the number of runs watched (10,000 open runs polled).
   */
  runningWithCancelRequest(): Promise<Set<string>>;
  /**
   * Wakes up (yields) whenever something about `runId` may have changed: new events, a cancel
   * request, the run ending — across instances where the database can say so (PostgreSQL
   * LISTEN/NOTIFY), else by polling. Ends when `signal` aborts.
   */
  watchRun(runId: string, signal: AbortSignal): AsyncIterable<void>;
  /**
   * watchRun's wake-ups as calls of `onWake`, until the returned function is called: cheaper for
   * a watcher held for a run's whole life (no AbortSignal, iterator or pending promise each).
   */
  subscribeRun(runId: string, onWake: () => void): () => void;
  /** Tells watchers of `runId` that something changed (after appendEvents, requestCancel, finishRun). */
  notifyRun(runId: string): Promise<void>;
  /** notifyRun for several runs (one round trip on PostgreSQL). */
  notifyRuns(runIds: readonly string[]): Promise<void>;
  /** Stamps runs this instance is running as alive. */
  touchRuns(runIds: readonly string[], now: Date): Promise<void>;
  /**
   * Ends runs whose instance stopped stamping them before `staleBefore` (it died), each with an
   * `error` event stored with its status (see appendEventAtEnd); returns their ids.
   */
  failStaleRuns(
    staleBefore: Date,
    error: { code: string; message: string },
    now: Date,
  ): Promise<string[]>;
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

/** finishRun of a run that is no longer running: the status it has stays. */
export class RunAlreadyEndedError extends Error {
  readonly code = "RUN_ALREADY_ENDED";
  constructor(
    readonly runId: string,
    readonly status: string,
    readonly errorCode: string | undefined,
  ) {
    super(
      `run store: run ${JSON.stringify(runId)} already ended (${status}${errorCode ? ` ${errorCode}` : ""})`,
    );
    this.name = "RunAlreadyEndedError";
  }

  static isInstance(value: unknown): value is RunAlreadyEndedError {
    return (value as { code?: unknown } | null)?.code === "RUN_ALREADY_ENDED";
  }
}
