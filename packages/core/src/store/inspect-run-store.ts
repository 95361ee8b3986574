// Looks at a run store without changing it: can it be reached, and which migrations has it not had yet?
import { existsSync } from "node:fs";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import { isPostgresUrl } from "./create-run-store.js";
import { runStoreMigrationProvider } from "./migrations.js";
import { loadPg } from "./pg-module.js";

export interface RunStoreStatus {
  kind: "sqlite" | "postgres";
  /** The SQLite file, or the PostgreSQL URL with its password hidden. */
  location: string;
  /** False for a SQLite file not created yet (the first run creates it). */
  exists: boolean;
  /** Migrations not applied yet, in order; they run when a server or an in-process run starts. */
  pending: string[];
}

export interface InspectRunStoreOptions {
  databaseUrl?: string | undefined;
  sqlitePath: string;
  /** PostgreSQL connection timeout. Default 5000 ms. */
  connectTimeoutMs?: number | undefined;
}

async function pendingMigrations(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: runStoreMigrationProvider });
  const migrations = await migrator.getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

function hidePassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}

export async function inspectRunStore(options: InspectRunStoreOptions): Promise<RunStoreStatus> {
  if (isPostgresUrl(options.databaseUrl)) {
    const pool = new (loadPg().Pool)({
      connectionString: options.databaseUrl.trim(),
      max: 1,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    });
    pool.on("error", () => undefined); // reported through the query that fails
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      const pending = await pendingMigrations(db);
      return {
        kind: "postgres",
        location: hidePassword(options.databaseUrl),
        exists: true,
        pending,
      };
    } finally {
      await db.destroy();
    }
  }
  const location = options.sqlitePath;
  if (location !== ":memory:" && !existsSync(location)) {
    const all = Object.keys(await runStoreMigrationProvider.getMigrations()).sort();
    return { kind: "sqlite", location, exists: false, pending: all };
  }
  const sqlite = new SqliteDatabase(location, { readonly: true, fileMustExist: true });
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    return { kind: "sqlite", location, exists: true, pending: await pendingMigrations(db) };
  } finally {
    await db.destroy();
  }
}
