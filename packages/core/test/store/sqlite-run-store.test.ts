// The RunStore contract and SQLite specifics, on a real database file in a temp directory.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runStoreMigrationProvider } from "../../src/store/migrations.js";
import { pendingCancelsQuery } from "../../src/store/run-cancel.js";
import type { Database } from "../../src/store/schema.js";
import { createSqliteRunStore } from "../../src/store/sqlite-run-store.js";
import { describeRunStore, type RunStoreHarness } from "./run-store-contract.js";

function tableColumns(path: string, table: string): string[] {
  const sqlite = new SqliteDatabase(path, { readonly: true });
  try {
    const rows = sqlite.prepare(`select name from pragma_table_info(?)`).all(table) as {
      name: string;
    }[];
    return rows.map((row) => row.name);
  } finally {
    sqlite.close();
  }
}

describeRunStore("sqlite", async (): Promise<RunStoreHarness> => {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-run-store-"));
  const path = join(dir, "data", "runs.db");
  return {
    open: async () => createSqliteRunStore({ path }),
    runColumns: async () => tableColumns(path, "runs"),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe("createSqliteRunStore", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-run-store-"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the parent directory and opens without creating tables", async () => {
    const path = join(dir, "a", "b", "runs.db");
    const store = createSqliteRunStore({ path });
    try {
      expect(existsSync(path)).toBe(true);
      expect(tableColumns(path, "runs")).toStrictEqual([]);
      await store.migrate();
      expect(tableColumns(path, "runs")).toContain("started_at");
    } finally {
      await store.close();
    }
  });

  it("uses WAL and a busy timeout", async () => {
    const path = join(dir, "runs.db");
    const store = createSqliteRunStore({ path, busyTimeoutMs: 1234 });
    try {
      await store.migrate();
      const sqlite = new SqliteDatabase(path, { readonly: true });
      try {
        expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
      } finally {
        sqlite.close();
      }
    } finally {
      await store.close();
    }
  });

  /** A database file migrated to the latest schema, opened read-only to ask for query plans. */
  async function migratedReadOnly(): Promise<SqliteDatabase.Database> {
    const path = join(dir, "runs.db");
    const store = createSqliteRunStore({ path });
    await store.migrate();
    await store.close();
    return new SqliteDatabase(path, { readonly: true });
  }

  it("creates the indexes for listing", async () => {
    const sqlite = await migratedReadOnly();
    try {
      const plan = sqlite
        .prepare(
          "explain query plan select * from runs where status = ? order by started_at desc, id desc limit 11",
        )
        .all("running") as { detail: string }[];
      expect(plan.map((row) => row.detail).join("\n")).toMatch(/runs_status_started_at_id_idx/);
      expect(plan.map((row) => row.detail).join("\n")).not.toMatch(/TEMP B-TREE/);
    } finally {
      sqlite.close();
    }
  });

  it("answers the cancel poll from its partial index, not by scanning the runs", async () => {
    const sqlite = await migratedReadOnly();
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      const query = pendingCancelsQuery(db).compile();
      const plan = sqlite.prepare(`explain query plan ${query.sql}`).all(...query.parameters) as {
        detail: string;
      }[];
      expect(plan.map((row) => row.detail).join("\n")).toMatch(
        /USING (COVERING )?INDEX runs_cancel_pending/,
      );
    } finally {
      await db.destroy();
    }
  });

  it("upgrades a database of migration 0002 to 0003, keeping its runs", async () => {
    const path = join(dir, "runs.db");
    const old = new Kysely<unknown>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(path) }),
    });
    const migrator = new Migrator({ db: old, provider: runStoreMigrationProvider });
    expect((await migrator.migrateTo("0002_create_webhook_events")).error).toBeUndefined();
    await old.destroy();
    const before = createSqliteRunStore({ path });
    await before.createRun({ id: "run-a", prompt: "p", startedAt: new Date(5) });
    await before.close();
    expect(tableColumns(path, "runs")).not.toContain("cancel_requested_at");

    const store = createSqliteRunStore({ path });
    try {
      await store.migrate();
      expect(tableColumns(path, "runs")).toContain("cancel_requested_at");
      expect(tableColumns(path, "run_events")).toStrictEqual([
        "run_id",
        "seq",
        "event",
        "created_at",
      ]);
      expect((await store.getRun("run-a"))?.startedAt).toBe("1970-01-01T00:00:00.005Z");
      expect(await store.requestCancel("run-a")).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("wakes its watchers when another connection commits, not on every poll", async () => {
    const path = join(dir, "runs.db");
    const server = createSqliteRunStore({ path, pollIntervalMs: 10 });
    // Another process on the same file (`sandcaster runs cancel`): another connection.
    const other = createSqliteRunStore({ path, pollIntervalMs: 10 });
    try {
      await server.migrate();
      await server.createRun({ id: "run-a", prompt: "p", startedAt: new Date() });
      let wakes = 0;
      let woken = () => {};
      const woke = new Promise<void>((resolve) => {
        woken = resolve;
      });
      const unsubscribe = server.subscribeRun("run-a", () => {
        wakes++;
        woken();
      });
      // Dozens of polls with no change anywhere: nobody wakes (each used to wake every watcher).
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(wakes).toBe(0);
      // A commit by the other connection, which notifies nobody in this process.
      expect(await other.requestCancel("run-a")).toBe(true);
      await woke;
      expect([...(await server.runningWithCancelRequest())]).toStrictEqual(["run-a"]);
      unsubscribe();
    } finally {
      await other.close();
      await server.close();
    }
  });

  it("works in memory", async () => {
    const store = createSqliteRunStore({ path: ":memory:" });
    try {
      await store.migrate();
      await store.createRun({ id: "r", prompt: "p", startedAt: new Date(0) });
      expect((await store.getRun("r"))?.startedAt).toBe("1970-01-01T00:00:00.000Z");
      await store.ping();
    } finally {
      await store.close();
    }
  });
});
