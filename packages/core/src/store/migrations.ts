// Schema migrations as code, written with kysely's schema builder so every dialect can run them.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { agentSpecMigration, agentsMigration } from "./agents-migrations.js";

/**
 * Applied in name order and never edited once released: add a new entry instead. Only portable
 * column types are used (text, bigint, integer, double precision) and no dialect-specific SQL.
 */
export const runStoreMigrations: Record<string, Migration> = {
  "0001_create_runs": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("runs")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("status", "text", (col) => col.notNull())
        .addColumn("prompt", "text", (col) => col.notNull())
        .addColumn("model", "text")
        .addColumn("provider", "text")
        .addColumn("sandbox_provider", "text")
        .addColumn("started_at", "bigint", (col) => col.notNull())
        .addColumn("ended_at", "bigint")
        .addColumn("duration_secs", "double precision")
        .addColumn("num_turns", "integer")
        .addColumn("cost_usd", "double precision")
        .addColumn("input_tokens", "integer")
        .addColumn("output_tokens", "integer")
        .addColumn("cache_read_tokens", "integer")
        .addColumn("cache_write_tokens", "integer")
        .addColumn("error_code", "text")
        .addColumn("error_message", "text")
        .addColumn("files_count", "integer", (col) => col.notNull().defaultTo(0))
        .addColumn("metadata", "text")
        .execute();
      await db.schema
        .createIndex("runs_started_at_id_idx")
        .on("runs")
        .columns(["started_at desc", "id desc"])
        .execute();
      await db.schema
        .createIndex("runs_status_started_at_id_idx")
        .on("runs")
        .columns(["status", "started_at desc", "id desc"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("runs").execute();
    },
  },
};

export const webhookEventsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("webhook_events")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("source", "text", (col) => col.notNull())
      .addColumn("received_at", "bigint", (col) => col.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("webhook_events").execute();
  },
};
runStoreMigrations["0002_create_webhook_events"] = webhookEventsMigration;

/** Persisted run events (replay and cross-instance streaming) and cross-instance cancellation. */
export const runEventsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("run_events")
      .addColumn("run_id", "text", (col) => col.notNull())
      .addColumn("seq", "integer", (col) => col.notNull())
      .addColumn("event", "text", (col) => col.notNull())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addPrimaryKeyConstraint("run_events_pkey", ["run_id", "seq"])
      .execute();
    await db.schema.alterTable("runs").addColumn("cancel_requested_at", "bigint").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("cancel_requested_at").execute();
    await db.schema.dropTable("run_events").execute();
  },
};
runStoreMigrations["0003_run_events"] = runEventsMigration;

/** Instances stamp their running runs; a run whose stamp goes stale lost its server. */
export const runHeartbeatMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").addColumn("heartbeat_at", "bigint").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("heartbeat_at").execute();
  },
};
runStoreMigrations["0004_run_heartbeat"] = runHeartbeatMigration;

/** Sessions (workspace + conversation across queries) and the session of each run. */
export const sessionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("sessions")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("name", "text")
      .addColumn("status", "text", (col) => col.notNull())
      .addColumn("sandbox_provider", "text", (col) => col.notNull())
      .addColumn("idle_timeout_secs", "integer", (col) => col.notNull())
      .addColumn("max_history_turns", "integer", (col) => col.notNull())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addColumn("last_active_at", "bigint", (col) => col.notNull())
      .addColumn("expires_at", "bigint", (col) => col.notNull())
      .addColumn("turns", "integer", (col) => col.notNull().defaultTo(0))
      .addColumn("active_run_id", "text")
      .addColumn("owner_instance", "text")
      .addColumn("owner_url", "text")
      .addColumn("workspace_ref", "text")
      .addColumn("history", "text", (col) => col.notNull().defaultTo("[]"))
      .execute();
    await db.schema
      .createIndex("sessions_status_expires")
      .on("sessions")
      .columns(["status", "expires_at"])
      .execute();
    await db.schema.alterTable("runs").addColumn("session_id", "text").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("session_id").execute();
    await db.schema.dropTable("sessions").execute();
  },
};
runStoreMigrations["0005_sessions"] = sessionsMigration;

/**
 * The highest event id a run may have sent to a client: ids are reserved in blocks before they are
 * used, so an event appended from outside (SERVER_LOST after a kill -9) takes an id above every id
 * any client saw, even ids whose events were never stored.
 */
export const eventIdReservationMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").addColumn("event_ids_reserved", "bigint").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("event_ids_reserved").execute();
  },
};
runStoreMigrations["0006_event_id_reservation"] = eventIdReservationMigration;
/** The sandbox a run got, so an E2B webhook can prove it is about that run's own sandbox. */
export const runSandboxIdMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").addColumn("sandbox_id", "text").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("sandbox_id").execute();
  },
};
runStoreMigrations["0007_run_sandbox_id"] = runSandboxIdMigration;
/** What a run was: null for an agent run, "pipeline" for a markdown pipeline. */
export const runKindMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").addColumn("kind", "text").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("kind").execute();
  },
};
runStoreMigrations["0009_run_kind"] = runKindMigration;
/** The OpenTelemetry trace of each run, to go from a run record to its trace. */
export const runTraceIdMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").addColumn("trace_id", "text").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("trace_id").execute();
  },
};
runStoreMigrations["0010_run_trace_id"] = runTraceIdMigration;
/** The exit code of a failed agent run, typed beside its error (not read out of the message). */
export const runExitCodeMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").addColumn("exit_code", "integer").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("exit_code").execute();
  },
};
runStoreMigrations["0014_run_exit_code"] = runExitCodeMigration;
/** A branching run's summary on its record, as upstream's records carry it. */
export const runBranchingMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").addColumn("branch_count", "integer").execute();
    await db.schema.alterTable("runs").addColumn("branch_winner_id", "text").execute();
    await db.schema.alterTable("runs").addColumn("evaluator_type", "text").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("evaluator_type").execute();
    await db.schema.alterTable("runs").dropColumn("branch_winner_id").execute();
    await db.schema.alterTable("runs").dropColumn("branch_count").execute();
  },
};
runStoreMigrations["0015_run_branching"] = runBranchingMigration;
/**
 * The running runs with a cancel request, for the instances' cancel polls (a partial index: it
 * holds only those rows, so a poll costs the pending cancels, not the runs table).
 */
export const runCancelPendingMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex("runs_cancel_pending")
      .on("runs")
      .columns(["status", "id"])
      .where(sql.ref("cancel_requested_at"), "is not", null)
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("runs_cancel_pending").execute();
  },
};
runStoreMigrations["0016_run_cancel_pending"] = runCancelPendingMigration;

export const runStoreMigrationProvider: MigrationProvider = {
  getMigrations: async () => runStoreMigrations,
};

/** Brings the schema to the latest migration; throws the first failure. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider: runStoreMigrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === "Error")?.migrationName;
    throw new Error(
      `run store migration ${failed ?? "(unknown)"} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Run-completion webhooks: one delivery per run (unique run_id) and every try (webhook-store.ts). */
export const webhookDeliveriesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("webhook_deliveries")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("run_id", "text", (col) => col.notNull().unique())
      .addColumn("url", "text", (col) => col.notNull())
      .addColumn("type", "text", (col) => col.notNull())
      .addColumn("body", "text", (col) => col.notNull())
      .addColumn("state", "text", (col) => col.notNull())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addColumn("next_attempt_at", "bigint", (col) => col.notNull())
      .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
      .addColumn("lease_owner", "text")
      .addColumn("lease_until", "bigint")
      .execute();
    await db.schema
      .createIndex("webhook_deliveries_state_next_idx")
      .on("webhook_deliveries")
      .columns(["state", "next_attempt_at"])
      .execute();
    await db.schema
      .createTable("webhook_attempts")
      .addColumn("delivery_id", "text", (col) => col.notNull())
      .addColumn("attempt", "integer", (col) => col.notNull())
      .addColumn("at", "bigint", (col) => col.notNull())
      .addColumn("status", "integer")
      .addColumn("error", "text")
      .addColumn("duration_ms", "double precision", (col) => col.notNull())
      .addColumn("instance", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("webhook_attempts_pkey", ["delivery_id", "attempt"])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("webhook_attempts").execute();
    await db.schema.dropTable("webhook_deliveries").execute();
  },
};
runStoreMigrations["0008_webhook_deliveries"] = webhookDeliveriesMigration;

/** A session's turns, newest first, without reading every run (GET /sessions/:id lists them). */
runStoreMigrations["0012_agents"] = agentsMigration;
runStoreMigrations["0013_agent_spec"] = agentSpecMigration;
runStoreMigrations["0011_runs_session_idx"] = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex("runs_session_started_at_idx")
      .on("runs")
      .columns(["session_id", "started_at"])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("runs_session_started_at_idx").execute();
  },
};
