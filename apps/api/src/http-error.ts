// Errors as HTTP answers. Routes throw (an HttpError, or any SandcasterError from core); app.onError
// calls toHttpError, the one place that turns an error into a status, headers and a JSON body.
import { PlanError, SandboxError, SandcasterError, SessionError } from "@sandcaster/core";
import { type ErrorCode, httpStatusOf } from "@sandcaster/protocol";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, ErrorDetail } from "./schemas/errors.js";

export type { ErrorDetail };

export interface HttpErrorOptions {
  details?: ErrorDetail[] | undefined;
  headers?: Record<string, string> | undefined;
  /** SESSION_ELSEWHERE: the owning instance's URL. */
  ownerUrl?: string | undefined;
}

const MARKER = Symbol.for("sandcaster.http-error");

/** An error with the status it is answered with (defaults for a code: protocol ERROR_HTTP_STATUS). */
export class HttpError extends SandcasterError {
  readonly [MARKER] = true;
  readonly status: ContentfulStatusCode;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;
  readonly ownerUrl: string | undefined;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(code, message);
    this.name = "HttpError";
    this.status = status;
    this.details = options.details;
    this.headers = options.headers ?? {};
    this.ownerUrl = options.ownerUrl;
  }

  static override isInstance(value: unknown): value is HttpError {
    return typeof value === "object" && value !== null && MARKER in value;
  }

  body(): ErrorBody {
    return {
      error: this.message,
      code: this.code,
      ...(this.details ? { details: this.details } : {}),
      ...(this.ownerUrl ? { ownerUrl: this.ownerUrl } : {}),
    };
  }
}

/** `code` answered as the table says: its status, and Retry-After when it has one. */
function fromTable(code: ErrorCode, message: string, options: HttpErrorOptions = {}): HttpError {
  const { status, retryAfterSecs } = httpStatusOf(code);
  const headers = {
    ...(retryAfterSecs !== undefined ? { "Retry-After": String(retryAfterSecs) } : {}),
    ...options.headers,
  };
  return new HttpError(status, code, message, { ...options, headers });
}

/** The HTTP answer for a known error; undefined for anything else (a 500, logged). */
export function toHttpError(error: unknown): HttpError | undefined {
  if (HttpError.isInstance(error)) return error;
  if (!SandcasterError.isInstance(error)) return undefined;
  if (PlanError.isInstance(error)) {
    // A planner's refusal names its field; 409/503 are its own (a state, not a bad field).
    return new HttpError(error.status, error.code, `${error.field}: ${error.message}`, {
      details: [{ field: error.field, message: error.message }],
    });
  }
  if (SessionError.isInstance(error)) {
    return fromTable(error.code, error.message, {
      ownerUrl: error.ownerUrl,
      headers: error.ownerUrl ? { "x-session-owner": error.ownerUrl } : {},
    });
  }
  if (SandboxError.isInstance(error) && error.code === "SANDBOX_INVALID_ARCHIVE") {
    return fromTable("INVALID_ARCHIVE", error.message, {
      details: [{ field: "", message: error.message }],
    });
  }
  const retryAfterSecs = "retryAfterSecs" in error ? error.retryAfterSecs : undefined;
  // A missing image is the operator's to fix: the answer says how (the stream's error event
  // carries the same hint in its own field).
  const message =
    error.code === "SANDBOX_IMAGE_MISSING" && error.hint
      ? `${error.message}. ${error.hint}`
      : error.message;
  return fromTable(error.code, message, {
    ...(typeof retryAfterSecs === "number"
      ? { headers: { "Retry-After": String(retryAfterSecs) } }
      : {}),
  });
}
