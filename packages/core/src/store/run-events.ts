// The run_events table: persisted events of each run, read back in seq order and pruned after runs end.
import type { SandcasterEvent } from "@sandcaster/protocol";
import { type Insertable, type Kysely, sql } from "kysely";
import type { RunEventBatch, StoredEvent } from "./run-store.js";
import type { Database, RunEventsTable } from "./schema.js";

/** Rows per INSERT statement: 4 parameters each stays far below every driver's parameter limit. */
const ROWS_PER_INSERT = 500;
const MAX_SEQ = 2_147_483_647;

function checkSeq(seq: number, what: string): void {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQ) {
    throw new RangeError(`run store: ${what} must be an integer in 0..${MAX_SEQ}, got ${seq}`);
  }
}

/**
 * Events of one or many runs in multi-row INSERTs (500 rows each), in one transaction when there is
 * more than one statement; a (run_id, seq) already stored is left as it was.
 */
export async function appendRunEvents(
  db: Kysely<Database>,
  batches: readonly RunEventBatch[],
): Promise<void> {
  const createdAt = Date.now();
  const rows: Insertable<RunEventsTable>[] = [];
  for (const { runId, events } of batches) {
    for (const { seq, event } of events) {
      checkSeq(seq, "seq");
      rows.push({ run_id: runId, seq, event: JSON.stringify(event), created_at: createdAt });
    }
  }
  const write = async (trx: Kysely<Database>) => {
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      await trx
        .insertInto("run_events")
        .values(rows.slice(start, start + ROWS_PER_INSERT))
        .onConflict((oc) => oc.columns(["run_id", "seq"]).doNothing())
        .execute();
    }
  };
  if (rows.length === 0) return;
  if (rows.length <= ROWS_PER_INSERT) await write(db);
  else await db.transaction().execute(write);
}

/**
 * Event ids a run reserves at a time (the first block with its record): ids are cheap, gaps are
 * harmless, and a block this large is rarely extended.
 */
export const EVENT_ID_BLOCK = 100_000;

/** Raises the run's reservation to `upTo` (never lowers it). */
export async function reserveRunEventIds(
  db: Kysely<Database>,
  runId: string,
  upTo: number,
): Promise<void> {
  checkSeq(upTo, "upTo");
  await db
    .updateTable("runs")
    .set({ event_ids_reserved: upTo })
    .where("id", "=", runId)
    .where((eb) =>
      eb.or([eb("event_ids_reserved", "is", null), eb("event_ids_reserved", "<", upTo)]),
    )
    .execute();
}

/**
 * Appends one event after every id the run may have used: after its last stored event and after
 * its reservation (ids a client saw live whose events were never stored). Returns its seq.
 */
export async function appendRunEventAtEnd(
  db: Kysely<Database>,
  runId: string,
  event: SandcasterEvent,
): Promise<number> {
  const run = await db
    .selectFrom("runs")
    .select("event_ids_reserved")
    .where("id", "=", runId)
    .executeTakeFirst();
  // A run's record holds the first block without saying so (null): a record written by an older
  // instance, or one whose schema was not migrated yet, stays valid.
  const reserved =
    run === undefined ? 0 : Math.min(MAX_SEQ - 1, Number(run.event_ids_reserved ?? EVENT_ID_BLOCK));
  const row = await db
    .insertInto("run_events")
    .columns(["run_id", "seq", "event", "created_at"])
    .expression((eb) =>
      eb
        .selectFrom("run_events")
        .select([
          eb.val(runId).as("run_id"),
          sql<number>`case when coalesce(max(seq), 0) > ${sql.lit(reserved)} then coalesce(max(seq), 0) else ${sql.lit(reserved)} end + 1`.as(
            "seq",
          ),
          eb.val(JSON.stringify(event)).as("event"),
          eb.val(Date.now()).as("created_at"),
        ])
        .where("run_id", "=", runId),
    )
    .returning("seq")
    .executeTakeFirstOrThrow();
  return Number(row.seq);
}

export async function readRunEvents(
  db: Kysely<Database>,
  runId: string,
  afterSeq: number,
  limit: number,
): Promise<StoredEvent[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`run store: limit must be a positive integer, got ${limit}`);
  }
  if (!Number.isSafeInteger(afterSeq)) {
    throw new RangeError(`run store: afterSeq must be an integer, got ${afterSeq}`);
  }
  const rows = await db
    .selectFrom("run_events")
    .select(["seq", "event"])
    .where("run_id", "=", runId)
    .where("seq", ">", Math.max(-1, Math.min(afterSeq, MAX_SEQ)))
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    event: JSON.parse(row.event) as SandcasterEvent,
  }));
}

/**
 * Events of runs that ended before `before`, and events older than `before` of runs that do not
 * exist (a run's record may land after its first events when the store was briefly down).
 */
export async function pruneRunEvents(db: Kysely<Database>, before: Date): Promise<number> {
  const beforeMs = before.getTime();
  if (!Number.isSafeInteger(beforeMs))
    throw new RangeError("run store: prune before an invalid date");
  const result = await db
    .deleteFrom("run_events")
    .where((eb) =>
      eb.or([
        eb(
          "run_id",
          "in",
          eb
            .selectFrom("runs")
            .select("runs.id")
            .where("runs.ended_at", "is not", null)
            .where("runs.ended_at", "<", beforeMs),
        ),
        eb.and([
          eb("run_events.created_at", "<", beforeMs),
          eb.not(
            eb.exists(
              eb.selectFrom("runs").select("runs.id").whereRef("runs.id", "=", "run_events.run_id"),
            ),
          ),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
