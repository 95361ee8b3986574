// A RunStore in PostgreSQL (kysely's PostgresDialect over a pg.Pool) with LISTEN/NOTIFY watches.
import { Kysely, PostgresDialect } from "kysely";
import { createKyselyRunStore } from "./kysely-run-store.js";
import { createPgNotifier } from "./pg-notifier.js";
import { createPgPool } from "./pg-pool.js";
import { consoleRunStoreLogger, type RunStoreLogger } from "./run-notifier.js";
import type { RunStore } from "./run-store.js";
import type { Database } from "./schema.js";

export interface PostgresRunStoreOptions {
  /** `postgres://user:password@host:port/database` (any libpq-style URL node-postgres accepts). */
  connectionString: string;
  /** The pool's size. Default 10; the LISTEN connection comes on top. */
  maxConnections?: number | undefined;
  /** Where lost connections are reported. Default console.warn. */
  logger?: RunStoreLogger | undefined;
  /** While listening, watchers still wake this often. Default 5000 ms. */
  safetyTickMs?: number | undefined;
  /** While the LISTEN connection is down, watchers wake this often. Default 500 ms. */
  downPollMs?: number | undefined;
}

/** Connects lazily (nothing happens until the first statement); call migrate() before use. */
export function createPostgresRunStore(options: PostgresRunStoreOptions): RunStore {
  const logger = options.logger ?? consoleRunStoreLogger;
  const pool = createPgPool({
    connectionString: options.connectionString,
    max: Math.max(1, Math.trunc(options.maxConnections ?? 10)),
    logger,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const notifier = createPgNotifier({
    connectionString: options.connectionString,
    pool,
    logger,
    safetyTickMs: options.safetyTickMs,
    downPollMs: options.downPollMs,
  });
  return createKyselyRunStore(db, {
    notifier,
    // kysely ends the pool only if it ran a statement itself; pg_notify alone also opens one.
    onClose: async () => {
      if (!pool.ended) await pool.end();
    },
  });
}
