// Cross-instance cancellation: a flag on the run's row that whichever instance runs it checks.
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/** Marks a running run (keeping the first request's time); false when it is not running. */
export async function requestRunCancel(
  db: Kysely<Database>,
  runId: string,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable("runs")
    .set({ cancel_requested_at: sql<number>`coalesce(cancel_requested_at, ${now.getTime()})` })
    .where("id", "=", runId)
    .where("status", "=", "running")
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * The running runs with a cancel request, answered from the partial index runs_cancel_pending
 * (migration 0016): it holds only the rows with a cancel request, so a poll costs the pending
 * cancels, not the running runs.
 */
export function pendingCancelsQuery(db: Kysely<Database>) {
  return db
    .selectFrom("runs")
    .select("id")
    .where("cancel_requested_at", "is not", null)
    .where("status", "=", "running");
}

export async function runningRunsWithCancelRequest(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await pendingCancelsQuery(db).execute();
  return new Set(rows.map((row) => row.id));
}

export async function isRunCancelRequested(db: Kysely<Database>, runId: string): Promise<boolean> {
  const row = await db
    .selectFrom("runs")
    .select("cancel_requested_at")
    .where("id", "=", runId)
    .executeTakeFirst();
  return row !== undefined && row.cancel_requested_at !== null;
}
