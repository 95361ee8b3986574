// Run-completion webhook deliveries in the run store: one row per run (the unique run_id is what
// makes a delivery happen once across instances), claimed under a lease, every try recorded.
import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryState,
  WebhookEvent,
} from "@sandcaster/protocol";
import type { ColumnType, Kysely, Selectable } from "kysely";
import { epochMs } from "./run-row.js";
import type { Database, EpochMsColumn } from "./schema.js";

/** Migration 0007. */
export interface WebhookDeliveriesTable {
  /** The `webhook-id` header, the same on every try. */
  id: string;
  run_id: string;
  url: string;
  type: string;
  /** The exact bytes POSTed (JSON), fixed when the delivery is created. */
  body: string;
  state: string;
  created_at: EpochMsColumn;
  next_attempt_at: EpochMsColumn;
  attempts: ColumnType<number, number | undefined, number>;
  /** The instance holding the delivery until lease_until (null: nobody). */
  lease_owner: string | null;
  lease_until: ColumnType<number | string | null, number | null, number | null>;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: EpochMsColumn;
  status: number | null;
  error: string | null;
  duration_ms: number;
  instance: string;
}

export type WebhookDatabase = Database & {
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
};

export interface NewWebhookDelivery {
  id: string;
  runId: string;
  url: string;
  type: WebhookEvent;
  body: string;
  createdAt: Date;
}

/** A delivery this instance holds: it alone tries it until `leaseUntil`. */
export interface ClaimedDelivery extends NewWebhookDelivery {
  /** The number of this try (1 for the first). */
  attempt: number;
}

export interface AttemptResult extends Omit<WebhookAttempt, "at" | "attempt" | "instance"> {
  at: Date;
}

export interface WebhookStore {
  /** Creates the run's delivery, due now; false when the run already has one. */
  enqueue(delivery: NewWebhookDelivery): Promise<boolean>;
  /** Takes a due, unheld delivery for `leaseMs`; undefined when another instance has it or it is not due. */
  claim(
    id: string,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<ClaimedDelivery | undefined>;
  /** Ids of deliveries due at `now` that nobody holds (retries, and ones a dead instance held). */
  due(now: Date, limit: number): Promise<string[]>;
  /** Records one try and what follows: delivered, failed for good, or pending again at `retryAt`. */
  recordAttempt(
    claimed: ClaimedDelivery,
    owner: string,
    result: AttemptResult,
    next: { state: WebhookDeliveryState; retryAt?: Date | undefined },
  ): Promise<void>;
  /** The run's delivery with every try, oldest first. */
  forRun(runId: string): Promise<WebhookDelivery | undefined>;
}

type DeliveryRow = Selectable<WebhookDeliveriesTable>;

function claimedOf(row: DeliveryRow): ClaimedDelivery {
  return {
    id: row.id,
    runId: row.run_id,
    url: row.url,
    type: row.type as WebhookEvent,
    body: row.body,
    createdAt: new Date(epochMs(row.created_at)),
    attempt: row.attempts + 1,
  };
}

export function createWebhookStore(base: Kysely<Database>): WebhookStore {
  const db = base.withTables<{
    webhook_deliveries: WebhookDeliveriesTable;
    webhook_attempts: WebhookAttemptsTable;
  }>();
  return {
    async enqueue(delivery) {
      const at = delivery.createdAt.getTime();
      const result = await db
        .insertInto("webhook_deliveries")
        .values({
          id: delivery.id,
          run_id: delivery.runId,
          url: delivery.url,
          type: delivery.type,
          body: delivery.body,
          state: "pending",
          created_at: at,
          next_attempt_at: at,
          attempts: 0,
          lease_owner: null,
          lease_until: null,
        })
        .onConflict((oc) => oc.column("run_id").doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    async claim(id, owner, now, leaseMs) {
      const ms = now.getTime();
      // One UPDATE decides: both dialects apply it atomically, so two instances never both win.
      const result = await db
        .updateTable("webhook_deliveries")
        .set({ lease_owner: owner, lease_until: ms + leaseMs })
        .where("id", "=", id)
        .where("state", "=", "pending")
        .where("next_attempt_at", "<=", ms)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", ms)]))
        .executeTakeFirst();
      if (result.numUpdatedRows !== 1n) return undefined;
      const row = await db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return claimedOf(row);
    },

    async due(now, limit) {
      const ms = now.getTime();
      const rows = await db
        .selectFrom("webhook_deliveries")
        .select("id")
        .where("state", "=", "pending")
        .where("next_attempt_at", "<=", ms)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", ms)]))
        .orderBy("next_attempt_at")
        .limit(limit)
        .execute();
      return rows.map((row) => row.id);
    },

    async recordAttempt(claimed, owner, result, next) {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto("webhook_attempts")
          .values({
            delivery_id: claimed.id,
            attempt: claimed.attempt,
            at: result.at.getTime(),
            status: result.status ?? null,
            error: result.error ?? null,
            duration_ms: result.durationMs,
            instance: owner,
          })
          .onConflict((oc) => oc.columns(["delivery_id", "attempt"]).doNothing())
          .execute();
        await tx
          .updateTable("webhook_deliveries")
          .set({
            state: next.state,
            attempts: claimed.attempt,
            next_attempt_at: next.retryAt?.getTime() ?? result.at.getTime(),
            lease_owner: null,
            lease_until: null,
          })
          .where("id", "=", claimed.id)
          .where("lease_owner", "=", owner)
          .execute();
      });
    },

    async forRun(runId) {
      const row = await db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("run_id", "=", runId)
        .executeTakeFirst();
      if (!row) return undefined;
      const attempts = await db
        .selectFrom("webhook_attempts")
        .selectAll()
        .where("delivery_id", "=", row.id)
        .orderBy("attempt")
        .execute();
      return {
        id: row.id,
        runId: row.run_id,
        url: row.url,
        type: row.type as WebhookEvent,
        state: row.state as WebhookDeliveryState,
        createdAt: new Date(epochMs(row.created_at)).toISOString(),
        ...(row.state === "pending"
          ? { nextAttemptAt: new Date(epochMs(row.next_attempt_at)).toISOString() }
          : {}),
        attempts: attempts.map((a) => ({
          attempt: a.attempt,
          at: new Date(epochMs(a.at)).toISOString(),
          ...(a.status === null ? {} : { status: a.status }),
          ...(a.error === null ? {} : { error: a.error }),
          durationMs: a.duration_ms,
          instance: a.instance,
        })),
      };
    },
  };
}
