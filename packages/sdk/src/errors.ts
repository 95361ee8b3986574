// The SDK's error hierarchy: chosen by HTTP status, transport failure or run outcome; recognisable across copies.
import { NOT_RETRYABLE_CODES } from "@sandcaster/protocol";

/** Where each instance lists the kinds it is, so `isInstance` works across duplicated copies of the SDK. */
const KINDS = Symbol.for("@sandcaster/sdk.error-kinds");

/** One `{field, message}` of a 400 answer: which input was wrong and why. */
export interface ErrorDetail {
  field: string;
  message: string;
}

interface ErrorOptions {
  cause?: unknown;
  requestId?: string | undefined;
  status?: number | undefined;
}

type ErrorClass = { readonly kind: string };

/** The base of every error this SDK throws. */
export class SandcasterError extends Error {
  static readonly kind: string = "SandcasterError";
  declare readonly [KINDS]: readonly string[];
  /** The server's `x-request-id` for the request that failed, when there was a response. */
  readonly requestId: string | undefined;
  /** The HTTP status, for errors that come from a response. */
  readonly status: number | undefined;
  /** Whether the same request may succeed when tried again later. */
  readonly retryable: boolean = false;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const kinds: string[] = [];
    for (let c: unknown = new.target; c && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, "kind")) kinds.push((c as ErrorClass).kind);
    }
    Object.defineProperty(this, KINDS, { value: kinds });
    this.name = new.target.kind;
    this.requestId = options.requestId;
    this.status = options.status;
  }

  /** `instanceof` that also holds when two copies of the SDK are loaded. */
  static isInstance<T>(
    this: (abstract new (...args: never[]) => T) & ErrorClass,
    value: unknown,
  ): value is T {
    const kinds = (value as { [KINDS]?: unknown } | null | undefined)?.[KINDS];
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass asked about (RateLimitError.isInstance)
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }
}

export interface APIErrorInit extends ErrorOptions {
  status: number;
  /** The server's stable error code (`INVALID_REQUEST`, `TOO_MANY_RUNS`, …). */
  code: string | undefined;
  /** The parsed JSON body, or its text when it was not JSON. */
  body: unknown;
  headers: Headers;
}

/** The server answered with a non-2xx status. */
export class APIError extends SandcasterError {
  static override readonly kind: string = "APIError";
  declare readonly status: number;
  readonly code: string | undefined;
  readonly body: unknown;
  readonly headers: Headers;

  constructor(message: string, init: APIErrorInit) {
    super(message, init);
    this.code = init.code;
    this.body = init.body;
    this.headers = init.headers;
  }
}

/** 400: the request was invalid; `details` names each bad field. */
export class BadRequestError extends APIError {
  static override readonly kind: string = "BadRequestError";
  readonly details: ErrorDetail[];

  constructor(message: string, init: APIErrorInit & { details: ErrorDetail[] }) {
    super(message, init);
    this.details = init.details;
  }
}

/** 401: the API key is missing or wrong. */
export class AuthenticationError extends APIError {
  static override readonly kind: string = "AuthenticationError";
}

/** 404: no such run (or route). */
export class NotFoundError extends APIError {
  static override readonly kind: string = "NotFoundError";
}

/** 409: the request conflicts with the resource's state. */
export class ConflictError extends APIError {
  static override readonly kind: string = "ConflictError";
}

/** 410: the session expired after being idle (SESSION_EXPIRED); its workspace is gone. */
export class GoneError extends APIError {
  static override readonly kind: string = "GoneError";
}

/**
 * 421: this instance does not have the session's docker/local workspace (SESSION_ELSEWHERE);
 * `ownerUrl` is the instance that has it.
 */
export class MisdirectedRequestError extends APIError {
  static override readonly kind: string = "MisdirectedRequestError";
  readonly ownerUrl: string | undefined;

  constructor(message: string, init: APIErrorInit & { ownerUrl: string | undefined }) {
    super(message, init);
    this.ownerUrl = init.ownerUrl;
  }
}

/** 429: the server is at its run limit; try again after `retryAfter` seconds. */
export class RateLimitError extends APIError {
  static override readonly kind: string = "RateLimitError";
  override readonly retryable = true;
  /** Seconds from the Retry-After header, when the server sent one. */
  readonly retryAfter: number | undefined;

  constructor(message: string, init: APIErrorInit & { retryAfter: number | undefined }) {
    super(message, init);
    this.retryAfter = init.retryAfter;
  }
}

/**
 * 5xx: the server failed (503: it is shutting down; another instance may answer). Retryable,
 * except for codes the protocol marks as a setup to fix (a missing sandbox image).
 */
export class InternalServerError extends APIError {
  static override readonly kind: string = "InternalServerError";
  override readonly retryable: boolean = !NOT_RETRYABLE_CODES.has(this.code ?? "");
  /** Seconds from the Retry-After header, when the server sent one. */
  readonly retryAfter: number | undefined;

  constructor(message: string, init: APIErrorInit & { retryAfter: number | undefined }) {
    super(message, init);
    this.retryAfter = init.retryAfter;
  }
}

/** No answer: the server could not be reached, or the connection broke. */
export class APIConnectionError extends SandcasterError {
  static override readonly kind: string = "APIConnectionError";
  override readonly retryable = true;
}

/** No answer within `timeoutMs` (or no data on a stream for `idleTimeoutMs`). */
export class APIConnectionTimeoutError extends APIConnectionError {
  static override readonly kind: string = "APIConnectionTimeoutError";
}

/** The caller aborted: its signal, `stream.abort()`, or leaving a `for await` loop early. */
export class APIUserAbortError extends SandcasterError {
  static override readonly kind: string = "APIUserAbortError";

  constructor(message = "the request was aborted", options: ErrorOptions = {}) {
    super(message, options);
  }
}

export interface RunFailedInit extends ErrorOptions {
  runId: string | undefined;
  /** The error event's code (`TIMEOUT`, `CANCELLED`, `MODEL_AUTH_FAILED`, …) or the run record's. */
  code: string | undefined;
  hint?: string | undefined;
  /** A failed agent's exit code (`AGENT_FAILED`; null when a signal killed it); else undefined. */
  exitCode?: number | null | undefined;
}

/** The run ended without a result: its stream carried an `error` event, or its record says it failed. */
export class RunFailedError extends SandcasterError {
  static override readonly kind: string = "RunFailedError";
  readonly runId: string | undefined;
  readonly code: string | undefined;
  readonly hint: string | undefined;
  /** A failed agent's exit code (`AGENT_FAILED`; null when a signal killed it); else undefined. */
  readonly exitCode: number | null | undefined;

  constructor(message: string, init: RunFailedInit) {
    super(message, init);
    this.runId = init.runId;
    this.code = init.code;
    this.hint = init.hint;
    this.exitCode = init.exitCode;
  }
}
