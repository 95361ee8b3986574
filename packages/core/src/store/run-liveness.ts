// Liveness of running runs: instances stamp theirs; runs whose stamp went stale lost their server.
import type { Kysely } from "kysely";
import { appendRunEventAtEnd } from "./run-events.js";
import type { Database } from "./schema.js";

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
 * `staleBefore`, with `error`; returns their ids. The terminal error event is stored in the same
 * transaction as the status (a replay never sees the run ended without it), after every id the run
 * reserved (so it follows every event a client saw live); of two instances sweeping at once, one wins.
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
      const result = await trx
        .updateTable("runs")
        .set({
          status: "error",
          ended_at: now.getTime(),
          duration_secs: Math.max(0, (now.getTime() - Number(run.started_at)) / 1000),
          error_code: error.code,
          error_message: error.message,
        })
        .where("id", "=", run.id)
        .where("status", "=", "running")
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
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
