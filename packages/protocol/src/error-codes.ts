// Stable error codes carried by `error` events and run records; clients branch on these.
export const ERROR_CODES = {
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
  /** 413: a request body or workspace archive over its configured limit. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** 421: the Host header names no host this server answers for (DNS rebinding). */
  HOST_NOT_ALLOWED: "HOST_NOT_ALLOWED",
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
