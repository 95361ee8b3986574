// The kysely table types of the run history database (snake_case columns, one row per run).
import type { ColumnType } from "kysely";

/**
 * Milliseconds since the epoch, stored as a 64-bit integer so that ordering is numeric in every
 * dialect. Reads may come back as a string (node-postgres returns int8 that way); map with Number().
 */
export type EpochMsColumn = ColumnType<number | string, number, number>;

export interface RunsTable {
  id: string;
  status: string;
  prompt: string;
  model: string | null;
  provider: string | null;
  sandbox_provider: string | null;
  started_at: EpochMsColumn;
  ended_at: ColumnType<number | string | null, number | null, number | null>;
  duration_secs: number | null;
  num_turns: number | null;
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  error_code: string | null;
  error_message: string | null;
  files_count: ColumnType<number, number | undefined, number>;
  /** JSON text of a Record<string, string>. */
  metadata: string | null;
  /** Epoch ms of the first cancel request while the run was running (migration 0003). */
  cancel_requested_at: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** Epoch ms when the owning instance last said the run is alive (migration 0004). */
  heartbeat_at: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** The session this run is a turn of (migration 0005). */
  session_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Event ids up to this may have been sent live (migration 0006); null on older rows. */
  event_ids_reserved: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** The provider's id of the run's sandbox, once it is ready (migration 0007). */
  sandbox_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** "pipeline", or null for an agent run (migration 0009). */
  kind: ColumnType<string | null, string | null | undefined, string | null>;
  /** The run's OpenTelemetry trace id, when traces are on (migration 0010). */
  trace_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** AGENT_FAILED: the agent's exit code (migration 0014). */
  exit_code: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** A branching run's branches, winner and evaluator (migration 0015). */
  branch_count: ColumnType<number | string | null, number | null | undefined, number | null>;
  branch_winner_id: ColumnType<string | null, string | null | undefined, string | null>;
  evaluator_type: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Sessions: one row each, the conversation as JSON text (migration 0005). */
export interface SessionsTable {
  id: string;
  name: string | null;
  status: string;
  sandbox_provider: string;
  idle_timeout_secs: number;
  max_history_turns: number;
  created_at: EpochMsColumn;
  last_active_at: EpochMsColumn;
  expires_at: EpochMsColumn;
  turns: ColumnType<number, number | undefined, number>;
  /** The run holding the session (one turn at a time); null when idle. */
  active_run_id: string | null;
  /** docker/local: the instance whose host has the workspace; null for e2b. */
  owner_instance: string | null;
  owner_url: string | null;
  /** SessionWorkspace.ref; null until the workspace exists. */
  workspace_ref: string | null;
  /** JSON text of HistoryTurn[], oldest first, already trimmed. */
  history: ColumnType<string, string | undefined, string>;
}

/** The events of a run, one row per SSE event (migration 0003). */
export interface RunEventsTable {
  run_id: string;
  /** The SSE id: 1, 2, … per run. */
  seq: number;
  /** JSON text of a SandcasterEvent. */
  event: string;
  created_at: EpochMsColumn;
}

/** Deliveries already handled, so a retried webhook is applied once. */
export interface WebhookEventsTable {
  id: string;
  source: string;
  received_at: EpochMsColumn;
}

export interface Database {
  runs: RunsTable;
  run_events: RunEventsTable;
  webhook_events: WebhookEventsTable;
  sessions: SessionsTable;
}
