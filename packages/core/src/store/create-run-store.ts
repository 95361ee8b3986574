// Picks the run store for a deployment: PostgreSQL for a postgres:// URL, else a SQLite file.
import { createPostgresRunStore } from "./postgres-run-store.js";
import type { RunStoreLogger } from "./run-notifier.js";
import type { RunStore } from "./run-store.js";
import { createSqliteRunStore } from "./sqlite-run-store.js";

export interface CreateRunStoreOptions {
  /** A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else (or none) SQLite. */
  databaseUrl?: string | undefined;
  /** The SQLite file used when `databaseUrl` is not a PostgreSQL URL. */
  sqlitePath: string;
  logger?: RunStoreLogger | undefined;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(?:ql)?:\/\//i.test(url.trim());
}

/** Call migrate() on the result before use. */
export function createRunStore(options: CreateRunStoreOptions): RunStore {
  if (isPostgresUrl(options.databaseUrl)) {
    return createPostgresRunStore({
      connectionString: options.databaseUrl.trim(),
      logger: options.logger,
    });
  }
  return createSqliteRunStore({ path: options.sqlitePath });
}
