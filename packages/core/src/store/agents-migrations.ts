// The tables of custom agents (migrations 0012): agents, their versions, and their sealed secrets.
import type { Kysely, Migration } from "kysely";

export const agentsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("agents")
      .addColumn("name", "text", (col) => col.primaryKey())
      // The version invocations use; null until one built.
      .addColumn("active_version", "integer")
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .execute();
    await db.schema
      .createTable("agent_versions")
      .addColumn("agent", "text", (col) => col.notNull())
      .addColumn("version", "integer", (col) => col.notNull())
      // JSON text of the AgentManifest.
      .addColumn("manifest", "text", (col) => col.notNull())
      .addColumn("template_id", "text", (col) => col.notNull())
      // Where the built template is (a docker image, an e2b template); null until it built.
      .addColumn("image", "text")
      .addColumn("status", "text", (col) => col.notNull())
      // JSON text of the build failure.
      .addColumn("failure", "text")
      // JSON text of the build log's last lines, kept when the build ended.
      .addColumn("build_log", "text")
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addPrimaryKeyConstraint("agent_versions_pkey", ["agent", "version"])
      .execute();
    await db.schema
      .createTable("agent_secrets")
      .addColumn("agent", "text", (col) => col.notNull())
      .addColumn("key", "text", (col) => col.notNull())
      // JSON text of the AES-256-GCM sealed value (iv, tag, data): never the value.
      .addColumn("sealed", "text", (col) => col.notNull())
      .addColumn("updated_at", "bigint", (col) => col.notNull())
      .addPrimaryKeyConstraint("agent_secrets_pkey", ["agent", "key"])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("agent_secrets").execute();
    await db.schema.dropTable("agent_versions").execute();
    await db.schema.dropTable("agents").execute();
  },
};

/**
 * Migration 0013: each version's template spec (JSON), so any instance (or this one after a
 * restart) can find the template again (a cache hit) and run it on whichever provider it targets.
 */
export const agentSpecMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("agent_versions").addColumn("spec", "text").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("agent_versions").dropColumn("spec").execute();
  },
};
