// Picks the run store for a deployment: PostgreSQL for a postgres:// URL, else a SQLite file.
import {
  createDurableRunStore,
  type DurableRunStore,
  type DurableRunStoreOptions,
} from "./durable-run-store.js";
import { createPostgresRunStore } from "./postgres-run-store.js";
import { consoleRunStoreLogger, type RunStoreLogger } from "./run-notifier.js";
import { createSqliteRunStore } from "./sqlite-run-store.js";

export interface CreateRunStoreOptions {
  /** A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else (or none) SQLite. */
  databaseUrl?: string | undefined;
  /** The SQLite file used when `databaseUrl` is not a PostgreSQL URL. */
  sqlitePath: string;
  logger?: RunStoreLogger | undefined;
  /** Retry, stall and shutdown timings of the durable layer. */
  durability?: Omit<DurableRunStoreOptions, "logger"> | undefined;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(?:ql)?:\/\//i.test(url.trim());
}

/**
 * Call migrate() on the result before use. Durable: run writes are retried through outages, and
 * calls made while the database is unreachable fail with StoreUnavailableError.
 */
export function createRunStore(options: CreateRunStoreOptions): DurableRunStore {
  const logger = options.logger ?? consoleRunStoreLogger;
  const inner = isPostgresUrl(options.databaseUrl)
    ? createPostgresRunStore({ connectionString: options.databaseUrl.trim(), logger })
    : createSqliteRunStore({ path: options.sqlitePath });
  return createDurableRunStore(inner, { logger, ...options.durability });
}
