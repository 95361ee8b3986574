// The pg.Pool of a PostgreSQL run store: a database that restarts costs failed queries, never the process.
import type pg from "pg";
import { loadPg } from "./pg-module.js";
import type { RunStoreLogger } from "./run-notifier.js";

export interface PgPoolOptions {
  connectionString: string;
  max: number;
  logger: RunStoreLogger;
  /** A connection attempt that takes longer fails (a store that is down answers quickly). Default 5000. */
  connectTimeoutMs?: number | undefined;
}

/**
 * pg-pool listens for 'error' only on idle clients: it removes its listener while a client is
 * checked out (a query or a transaction in flight), and a pg.Client that emits 'error' without a
 * listener throws from the socket callback, which exits the process. A PostgreSQL restart
 * (`-m fast` terminates every backend) does exactly that. So every client gets its own listener
 * when it is created; the query in flight still fails with the error, and pg-pool drops the broken
 * client when it is released.
 */
export function createPgPool(options: PgPoolOptions): pg.Pool {
  const { logger } = options;
  const pool = new (loadPg().Pool)({
    connectionString: options.connectionString,
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
  });
  pool.on("connect", (client) => {
    client.on("error", (error) => {
      logger.warn({ err: error.message }, "run store: a PostgreSQL connection in use failed");
    });
  });
  // An idle client that dies is reported here; without a listener it would crash too.
  pool.on("error", (error) => {
    logger.warn({ err: error.message }, "run store: an idle PostgreSQL connection failed");
  });
  return pool;
}
