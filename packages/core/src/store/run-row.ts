// Maps between RunRecord and a row of the runs table; null columns become absent fields.
import type { RunRecord, RunStatus } from "@sandcaster/protocol";
import type { Selectable } from "kysely";
import type { RunsTable } from "./schema.js";

export type RunRow = Selectable<RunsTable>;

/** Epoch ms as the driver returned it (node-postgres returns int8 as a string). */
export function epochMs(value: number | string): number {
  const ms = typeof value === "number" ? value : Number(value);
  if (!Number.isSafeInteger(ms)) throw new Error(`run store: bad timestamp ${String(value)}`);
  return ms;
}

function toNumber(value: number | string): number {
  return typeof value === "number" ? value : Number(value);
}

export function rowToRunRecord(row: RunRow): RunRecord {
  const record: RunRecord = {
    id: row.id,
    status: row.status as RunStatus,
    prompt: row.prompt,
    startedAt: new Date(epochMs(row.started_at)).toISOString(),
    filesCount: toNumber(row.files_count),
  };
  if (row.model !== null) record.model = row.model;
  if (row.provider !== null) record.provider = row.provider;
  if (row.sandbox_provider !== null) record.sandboxProvider = row.sandbox_provider;
  if (row.ended_at !== null) record.endedAt = new Date(epochMs(row.ended_at)).toISOString();
  if (row.duration_secs !== null) record.durationSecs = toNumber(row.duration_secs);
  if (row.num_turns !== null) record.numTurns = toNumber(row.num_turns);
  if (row.cost_usd !== null) record.costUsd = toNumber(row.cost_usd);
  if (
    row.input_tokens !== null &&
    row.output_tokens !== null &&
    row.cache_read_tokens !== null &&
    row.cache_write_tokens !== null
  ) {
    record.usage = {
      inputTokens: toNumber(row.input_tokens),
      outputTokens: toNumber(row.output_tokens),
      cacheReadTokens: toNumber(row.cache_read_tokens),
      cacheWriteTokens: toNumber(row.cache_write_tokens),
    };
  }
  if (row.error_code !== null && row.error_message !== null) {
    record.error = row.error_message;
    record.errorCode = row.error_code;
  }
  if (row.metadata !== null) record.metadata = JSON.parse(row.metadata) as Record<string, string>;
  if (row.session_id !== null) record.sessionId = row.session_id;
  if (row.sandbox_id !== null) record.sandboxId = row.sandbox_id;
  if (row.kind === "pipeline" || row.kind === "agent") record.kind = row.kind;
  // Absent on an instance whose schema is older (rolling upgrade).
  if (row.trace_id !== null && row.trace_id !== undefined) record.traceId = row.trace_id;
  if (row.exit_code !== null && row.exit_code !== undefined && record.errorCode !== undefined)
    record.exitCode = toNumber(row.exit_code);
  if (row.branch_count !== null && row.branch_count !== undefined) {
    record.branchCount = toNumber(row.branch_count);
    if (row.branch_winner_id) record.branchWinnerId = row.branch_winner_id;
    if (row.evaluator_type) record.evaluatorType = row.evaluator_type;
  }
  return record;
}
