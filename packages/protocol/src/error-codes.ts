// Every stable code Sandcaster gives: `error` and `warning` events, run records, and HTTP error
// bodies. Clients branch on these strings; never rename one. New codes are appended to their group.
export const ERROR_CODES = {
  // A run's end (`error` events, run records).
  INVALID_CONFIG: "INVALID_CONFIG",
  NO_MODEL_CREDENTIALS: "NO_MODEL_CREDENTIALS",
  MODEL_AUTH_FAILED: "MODEL_AUTH_FAILED",
  MODEL_RATE_LIMITED: "MODEL_RATE_LIMITED",
  MODEL_BAD_REQUEST: "MODEL_BAD_REQUEST",
  MODEL_API_ERROR: "MODEL_API_ERROR",
  MODEL_STREAM_INTERRUPTED: "MODEL_STREAM_INTERRUPTED",
  MODEL_CONNECTION_FAILED: "MODEL_CONNECTION_FAILED",
  TIMEOUT: "TIMEOUT",
  CANCELLED: "CANCELLED",
  RUNNER_CRASHED: "RUNNER_CRASHED",
  INTERNAL: "INTERNAL",
  /** The reader of the stream fell too far behind; its run was stopped. */
  CLIENT_TOO_SLOW: "CLIENT_TOO_SLOW",
  /** The server that ran it died (found by another instance, or the next start). */
  SERVER_LOST: "SERVER_LOST",
  /** The run's spending limit was reached (counted by the model gateway); also an HTTP 429. */
  BUDGET_EXCEEDED: "BUDGET_EXCEEDED",
  /** A custom agent's process exited non-zero (the message carries its stderr tail). */
  AGENT_FAILED: "AGENT_FAILED",
  /** A branching run had no winner: every branch failed, or none matched outputFormat. */
  BRANCHING_FAILED: "BRANCHING_FAILED",
  /** A pipeline step failed (the `result` still carries the document; its exitCode is the step's). */
  PIPELINE_FAILED: "PIPELINE_FAILED",

  // Sandboxes (SandboxError; also a run's end).
  SANDBOX_UNAVAILABLE: "SANDBOX_UNAVAILABLE",
  SANDBOX_CREATE_FAILED: "SANDBOX_CREATE_FAILED",
  SANDBOX_IO_FAILED: "SANDBOX_IO_FAILED",
  SANDBOX_EXEC_FAILED: "SANDBOX_EXEC_FAILED",
  SANDBOX_DESTROYED: "SANDBOX_DESTROYED",
  SANDBOX_AUTH: "SANDBOX_AUTH",
  SANDBOX_RATE_LIMITED: "SANDBOX_RATE_LIMITED",
  SANDBOX_LOST: "SANDBOX_LOST",
  SANDBOX_DISK_FULL: "SANDBOX_DISK_FULL",
  /** A workspace archive (tar) that was unreadable or broke a rule: the caller's fault. */
  SANDBOX_INVALID_ARCHIVE: "SANDBOX_INVALID_ARCHIVE",

  // Sessions (SessionError).
  SESSION_NOT_FOUND: "SESSION_NOT_FOUND",
  SESSION_EXPIRED: "SESSION_EXPIRED",
  SESSION_BUSY: "SESSION_BUSY",
  SESSION_ELSEWHERE: "SESSION_ELSEWHERE",
  SESSION_UNSUPPORTED: "SESSION_UNSUPPORTED",

  // HTTP answers before any stream (error bodies).
  INVALID_REQUEST: "INVALID_REQUEST",
  INVALID_JSON: "INVALID_JSON",
  INVALID_CURSOR: "INVALID_CURSOR",
  /** A workspace upload the server refused (SANDBOX_INVALID_ARCHIVE as the client sees it). */
  INVALID_ARCHIVE: "INVALID_ARCHIVE",
  INVALID_SIGNATURE: "INVALID_SIGNATURE",
  UNAUTHORIZED: "UNAUTHORIZED",
  NOT_FOUND: "NOT_FOUND",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  /** 413: a request body or workspace archive over its configured limit. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  TOO_MANY_RUNS: "TOO_MANY_RUNS",
  CLIENT_CLOSED: "CLIENT_CLOSED",
  SHUTTING_DOWN: "SHUTTING_DOWN",
  /** The run store does not answer (PostgreSQL down): 503 with Retry-After. */
  STORE_UNAVAILABLE: "STORE_UNAVAILABLE",
  /** 421: the Host header names no host this server answers for (DNS rebinding). */
  HOST_NOT_ALLOWED: "HOST_NOT_ALLOWED",

  // Warnings (`warning` events): the run goes on.
  RUNNER_INVALID_EVENT: "RUNNER_INVALID_EVENT",
  RUNNER_UNPARSABLE_LINE: "RUNNER_UNPARSABLE_LINE",
  RUNNER_LINE_TOO_LONG: "RUNNER_LINE_TOO_LONG",
  SANDBOX_NOTICE: "SANDBOX_NOTICE",
  HISTORY_TRIMMED: "HISTORY_TRIMMED",
  ARTIFACT_SKIPPED: "ARTIFACT_SKIPPED",
  TOOL_OUTPUT_CUT: "TOOL_OUTPUT_CUT",
  UNSUPPORTED_SETTING: "UNSUPPORTED_SETTING",
  UNKNOWN_MODEL_PRICE: "UNKNOWN_MODEL_PRICE",
  OUTPUT_FORMAT_MISMATCH: "OUTPUT_FORMAT_MISMATCH",
  MODEL_OUTPUT_TRUNCATED: "MODEL_OUTPUT_TRUNCATED",
  /** The run passed events.maxPerRun: later events were not stored (its end always is). */
  EVENTS_TRUNCATED: "EVENTS_TRUNCATED",
  /** The egress policy refused a connection the agent tried. */
  EGRESS_DENIED: "EGRESS_DENIED",
  /** Authenticated, but not for this resource (a stream token of another run). */
  FORBIDDEN: "FORBIDDEN",
  /** 409: the agent (or template) exists but has no ready build to use yet, or its build failed. */
  NOT_READY: "NOT_READY",
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Whether `value` is one of Sandcaster's codes (the runner's events may carry others). */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}
