// A RunStore in a local SQLite file (better-sqlite3, WAL mode) through kysely, its one connection
// handed out first come first served (sqlite-dialect.ts).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely } from "kysely";
import { createKyselyRunStore } from "./kysely-run-store.js";
import { createPollingNotifier } from "./run-notifier.js";
import type { RunStore } from "./run-store.js";
import type { Database } from "./schema.js";
import { FifoSqliteDialect } from "./sqlite-dialect.js";

export interface SqliteRunStoreOptions {
  /** The database file, or ":memory:". Its parent directory is created when missing. */
  path: string;
  /** How long a statement waits for another connection's lock. Default 5000 ms. */
  busyTimeoutMs?: number | undefined;
  /** How often watchRun looks for other processes' changes (one `data_version` read). Default 250 ms. */
  pollIntervalMs?: number | undefined;
}

/** Opens (or creates) the file; the schema is created by an explicit migrate(). */
export function createSqliteRunStore(options: SqliteRunStoreOptions): RunStore {
  if (options.path !== ":memory:" && options.path !== "") {
    mkdirSync(dirname(options.path), { recursive: true });
  }
  const sqlite = new SqliteDatabase(options.path);
  try {
    sqlite.pragma("journal_mode = WAL");
    // WAL + NORMAL: a commit survives a crash of the process (not of the machine) without an fsync
    // per commit, the usual setting for WAL; run events are written many times a second.
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new FifoSqliteDialect(sqlite) });
  return createKyselyRunStore(db, {
    notifier: createPollingNotifier({
      intervalMs: options.pollIntervalMs,
      changedElsewhere: dataVersionProbe(sqlite),
    }),
  });
}

/**
 * Whether another connection (another process: `sandcaster runs tail`, a second server) committed
 * to the file since the last call. SQLite's `data_version` changes on exactly that, and not on this
 * connection's own commits, which wake their watchers through notify().
 */
function dataVersionProbe(sqlite: SqliteDatabase.Database): () => boolean {
  let last: unknown;
  return () => {
    const version: unknown = sqlite.pragma("data_version", { simple: true });
    const changed = version !== last;
    last = version;
    return changed;
  };
}
