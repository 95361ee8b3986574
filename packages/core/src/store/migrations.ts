// Schema migrations as code, written with kysely's schema builder so every dialect can run them.
import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";

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

/** What a run was: null for an agent run, "pipeline" for a markdown pipeline. */
export const runKindMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").addColumn("kind", "text").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("kind").execute();
  },
};
runStoreMigrations["0006_run_kind"] = runKindMigration;

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
