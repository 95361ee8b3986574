// The run store cannot be reached (database down, restarting, out of connections): a retryable 503.
import { ERROR_CODES } from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";

const MARKER = Symbol.for("sandcaster.store-unavailable-error");

export class StoreUnavailableError extends SandcasterError {
  readonly [MARKER] = true;
  readonly status = 503;
  readonly isRetryable = true;
  /** What Retry-After says. */
  readonly retryAfterSecs: number;

  constructor(cause: unknown, retryAfterSecs = 2) {
    super(ERROR_CODES.STORE_UNAVAILABLE, "the run store is unavailable; retry shortly", { cause });
    this.name = "StoreUnavailableError";
    this.retryAfterSecs = retryAfterSecs;
  }

  static override isInstance(value: unknown): value is StoreUnavailableError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}

/** PostgreSQL SQLSTATEs of a connection that is gone or cannot be had. */
const PG_UNAVAILABLE = /^(08|57P0[1-4]|53300|53400)/;
const NODE_UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/** SQLite: another process holds the lock past busy_timeout, or the disk failed. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL)/;
/** node-postgres reports a dead connection in plain messages, without a code. */
const PG_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable|Cannot use a pool after calling end/i;

/** True when `error` says the store could not be reached, not that a statement was wrong. */
export function isStoreUnavailable(error: unknown): boolean {
  if (StoreUnavailableError.isInstance(error)) return true;
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (NODE_UNAVAILABLE.has(code) || SQLITE_UNAVAILABLE.test(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && PG_UNAVAILABLE.test(code)) return true;
  }
  if (typeof message === "string" && PG_MESSAGES.test(message)) return true;
  // AggregateError (node's happy eyeballs) and causes carry the network error one level down.
  const { errors, cause } = error as { errors?: unknown; cause?: unknown };
  if (Array.isArray(errors) && errors.some(isStoreUnavailable)) return true;
  return cause !== undefined && cause !== error && isStoreUnavailable(cause);
}

/** `error` as a StoreUnavailableError when it is one in substance; else unchanged. */
export function storeError(error: unknown): unknown {
  if (StoreUnavailableError.isInstance(error) || !isStoreUnavailable(error)) return error;
  return new StoreUnavailableError(error);
}
