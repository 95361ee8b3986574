// Typed runner failures: each carries a stable protocol code and, where useful, a hint for the user.
import type { ErrorCode } from "@sandcaster/protocol";

const MARKER = Symbol.for("sandcaster.runner-error");

export class RunnerError extends Error {
  readonly [MARKER] = true;
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Worth another try (rate limits, 5xx, connection failures before any output). */
  readonly retryable: boolean;
  /** The server's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      hint?: string | undefined;
      retryable?: boolean;
      retryAfterMs?: number | undefined;
      status?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "RunnerError";
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }

  static isInstance(value: unknown): value is RunnerError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}
