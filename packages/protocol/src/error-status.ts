// The HTTP status (and Retry-After) an error code is answered with, when it ends a request before
// any stream; codes not listed are 500. The one table: the API's error handler reads only this.
import type { ErrorCode } from "./error-codes.js";

export interface ErrorHttpStatus {
  status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 421 | 429 | 500 | 503;
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  retryAfterSecs?: number;
}

export const ERROR_HTTP_STATUS: Partial<Record<ErrorCode, ErrorHttpStatus>> = {
  INVALID_REQUEST: { status: 400 },
  INVALID_JSON: { status: 400 },
  INVALID_CURSOR: { status: 400 },
  INVALID_ARCHIVE: { status: 400 },
  SANDBOX_INVALID_ARCHIVE: { status: 400 },
  CLIENT_CLOSED: { status: 400 },
  SESSION_UNSUPPORTED: { status: 400 },
  UNAUTHORIZED: { status: 401 },
  INVALID_SIGNATURE: { status: 401 },
  FORBIDDEN: { status: 403 },
  NOT_FOUND: { status: 404 },
  SESSION_NOT_FOUND: { status: 404 },
  SESSION_BUSY: { status: 409 },
  NOT_READY: { status: 409 },
  SESSION_EXPIRED: { status: 410 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  SESSION_ELSEWHERE: { status: 421 },
  HOST_NOT_ALLOWED: { status: 421 },
  TOO_MANY_RUNS: { status: 429, retryAfterSecs: 1 },
  BUDGET_EXCEEDED: { status: 429 },
  SHUTTING_DOWN: { status: 503, retryAfterSecs: 1 },
  STORE_UNAVAILABLE: { status: 503, retryAfterSecs: 2 },
  // Sandbox providers that fail while serving a request (sessions): try again shortly.
  SANDBOX_UNAVAILABLE: { status: 503, retryAfterSecs: 5 },
  SANDBOX_CREATE_FAILED: { status: 503, retryAfterSecs: 5 },
  SANDBOX_IO_FAILED: { status: 503, retryAfterSecs: 5 },
  SANDBOX_EXEC_FAILED: { status: 503, retryAfterSecs: 5 },
  SANDBOX_DESTROYED: { status: 503, retryAfterSecs: 5 },
  SANDBOX_AUTH: { status: 503, retryAfterSecs: 5 },
  SANDBOX_RATE_LIMITED: { status: 503, retryAfterSecs: 5 },
  SANDBOX_LOST: { status: 503, retryAfterSecs: 5 },
  SANDBOX_DISK_FULL: { status: 503, retryAfterSecs: 5 },
  // A server set up wrong (its image was never built): 500 and no Retry-After, as retrying cannot help.
  SANDBOX_IMAGE_MISSING: { status: 500 },
};

/**
 * Codes a client must not retry although their status is 5xx: the server's setup is wrong and
 * stays wrong until its operator acts (clients otherwise retry 5xx).
 */
export const NOT_RETRYABLE_CODES: ReadonlySet<string> = new Set(["SANDBOX_IMAGE_MISSING"]);

/** The status and Retry-After for `code`: from the table, else 500. */
export function httpStatusOf(code: string): ErrorHttpStatus {
  return ERROR_HTTP_STATUS[code as ErrorCode] ?? { status: 500 };
}
