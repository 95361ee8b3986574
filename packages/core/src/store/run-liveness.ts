// Liveness of running runs: instances stamp theirs; runs whose stamp went stale lost their server.
import { ERROR_CODES, type SandcasterEvent } from "@sandcaster/protocol";
import type { Kysely, Updateable } from "kysely";
import { appendRunEventAtEnd } from "./run-events.js";
import type { Database, RunsTable } from "./schema.js";

/**
 * The record a run's last stored event implies, when that event ended the run: its instance stored
 * the terminal event (which its client saw) and died before its outcome landed. A `result` is
 * always the last event; an `error` last in the log is taken as the end too (a client reading that
 * log also saw it last), so the record never contradicts what any client was shown.
 */
function endFromStoredEvent(event: SandcasterEvent | undefined): Updateable<RunsTable> | undefined {
  if (event?.type === "result") {
    return {
      status: "completed",
      num_turns: event.numTurns ?? null,
      cost_usd: event.costUsd ?? null,
      input_tokens: event.usage?.inputTokens ?? null,
      output_tokens: event.usage?.outputTokens ?? null,
      cache_read_tokens: event.usage?.cacheReadTokens ?? null,
      cache_write_tokens: event.usage?.cacheWriteTokens ?? null,
      ...(event.model ? { model: event.model } : {}),
    };
  }
  if (event?.type === "error") {
    return {
      status: event.code === ERROR_CODES.CANCELLED ? "cancelled" : "error",
      error_code: event.code,
      error_message: event.content,
    };
  }
  return undefined;
}

/** Stamps these runs (those still running) as alive at `now`. */
export async function touchRuns(
  db: Kysely<Database>,
  runIds: readonly string[],
  now: Date,
): Promise<void> {
  if (runIds.length === 0) return;
  await db
    .updateTable("runs")
    .set({ heartbeat_at: now.getTime() })
    .where("id", "in", [...runIds])
    .where("status", "=", "running")
    .execute();
}

/**
 * Ends every run still `running` whose last stamp (or start, if never stamped) is before
 * `staleBefore`; returns their ids. A run whose last stored event already ended it is recorded as
 * that event says. Else it ends with `error`, whose event is stored in the same transaction as the
 * status (a replay never sees the run ended without it), after every id the run reserved (so it
 * follows every event a client saw live); of two instances sweeping at once, one wins.
 */
export async function failStaleRuns(
  db: Kysely<Database>,
  staleBefore: Date,
  error: { code: string; message: string },
  now: Date,
): Promise<string[]> {
  const cutoff = staleBefore.getTime();
  const stale = await db
    .selectFrom("runs")
    .select(["id", "started_at"])
    .where("status", "=", "running")
    .where((eb) =>
      eb.or([
        eb("heartbeat_at", "<", cutoff),
        eb.and([eb("heartbeat_at", "is", null), eb("started_at", "<", cutoff)]),
      ]),
    )
    .execute();
  const ended: string[] = [];
  for (const run of stale) {
    const won = await db.transaction().execute(async (trx) => {
      const last = await trx
        .selectFrom("run_events")
        .select("event")
        .where("run_id", "=", run.id)
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst();
      const stored = endFromStoredEvent(
        last ? (JSON.parse(last.event) as SandcasterEvent) : undefined,
      );
      const result = await trx
        .updateTable("runs")
        .set({
          ended_at: now.getTime(),
          duration_secs: Math.max(0, (now.getTime() - Number(run.started_at)) / 1000),
          ...(stored ?? {
            status: "error",
            error_code: error.code,
            error_message: error.message,
          }),
        })
        .where("id", "=", run.id)
        .where("status", "=", "running")
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      if (stored) return true;
      await appendRunEventAtEnd(trx, run.id, {
        type: "error",
        code: error.code,
        content: error.message,
      });
      return true;
    });
    if (won) ended.push(run.id);
  }
  return ended;
}
