// Turns whatever a model SDK threw into a RunnerError with a stable code, a hint and retry advice.
import { ERROR_CODES } from "@sandcaster/protocol";
import { RunnerError } from "../errors.js";

interface ErrorContext {
  provider: string;
  /** The variable that holds this provider's key, named in hints. */
  keyVar: string;
  /** Whether any part of the response stream had arrived when the error happened. */
  streamStarted: boolean;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 100 ? status : undefined;
}

/** Gemini sends no Retry-After header; it puts google.rpc.RetryInfo {retryDelay: "1.5s"} in the body. */
function retryDelayInBody(error: unknown): number | undefined {
  const match = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(
    error instanceof Error ? error.message : "",
  );
  return match?.[1] ? Math.round(Number(match[1]) * 1000) : undefined;
}

function retryAfterMsOf(error: unknown): number | undefined {
  const fromBody = retryDelayInBody(error);
  if (fromBody !== undefined) return fromBody;
  const headers = (error as { headers?: unknown } | null)?.headers;
  let value: string | null | undefined;
  // Duck-typed: the SDKs' Headers is not always Node's (src/http/headers.ts), and touching the
  // global `Headers` would load Node's fetch.
  if (headers && typeof (headers as { get?: unknown }).get === "function") {
    const get = (name: string) => (headers as { get(name: string): string | null }).get(name);
    value = get("retry-after-ms") ?? get("retry-after");
  } else if (headers && typeof headers === "object") {
    const record = headers as Record<string, string | undefined>;
    value = record["retry-after-ms"] ?? record["retry-after"];
  }
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The provider's own message, without SDK prefixes that repeat the status. */
function messageOf(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return raw.length > 500 ? `${raw.slice(0, 500)}…` : raw;
}

export function mapModelError(error: unknown, context: ErrorContext): RunnerError {
  if (RunnerError.isInstance(error)) return error;
  const status = statusOf(error);
  const detail = messageOf(error);
  const where = `${context.provider} API`;
  // The host's gateway answers these itself, in the provider's error shape, naming its code.
  if (status === 402 && detail.includes("BUDGET_EXCEEDED")) {
    return new RunnerError(ERROR_CODES.BUDGET_EXCEEDED, `the run's budget is spent: ${detail}`, {
      status,
      hint: "raise the request's budget (up to the server's), or ask for less work per run",
    });
  }
  if (status === 502 && detail.includes(ERROR_CODES.MODEL_CONNECTION_FAILED)) {
    return new RunnerError(
      ERROR_CODES.MODEL_CONNECTION_FAILED,
      `the model gateway could not reach the ${where}: ${detail}`,
      {
        status,
        retryable: true,
        hint: "check the server's network access and the provider's base URL variable",
      },
    );
  }
  if (status === 401 || status === 403) {
    return new RunnerError(
      ERROR_CODES.MODEL_AUTH_FAILED,
      `${where} rejected the credentials (${status}): ${detail}`,
      {
        status,
        hint: `check ${context.keyVar} (or apiKeys in the request)`,
      },
    );
  }
  if (status === 429) {
    return new RunnerError(
      ERROR_CODES.MODEL_RATE_LIMITED,
      `${where} rate limit hit (429): ${detail}`,
      {
        status,
        retryable: true,
        retryAfterMs: retryAfterMsOf(error),
        hint: "wait and retry, lower concurrency, or raise the provider's rate limit",
      },
    );
  }
  if (status !== undefined && status >= 500) {
    return new RunnerError(ERROR_CODES.MODEL_API_ERROR, `${where} failed (${status}): ${detail}`, {
      status,
      retryable: true,
      retryAfterMs: retryAfterMsOf(error),
    });
  }
  if (status !== undefined) {
    return new RunnerError(
      ERROR_CODES.MODEL_BAD_REQUEST,
      `${where} refused the request (${status}): ${detail}`,
      {
        status,
        hint: status === 404 ? "check the model name" : undefined,
      },
    );
  }
  if (context.streamStarted) {
    return new RunnerError(
      ERROR_CODES.MODEL_STREAM_INTERRUPTED,
      `${where} stream broke off mid-response: ${detail}`,
      { retryable: true, cause: error },
    );
  }
  return new RunnerError(
    ERROR_CODES.MODEL_CONNECTION_FAILED,
    `could not reach the ${where}: ${detail}`,
    {
      retryable: true,
      cause: error,
      hint: "check network access from the sandbox and the provider's base URL variable",
    },
  );
}

export function incompleteStream(provider: string): RunnerError {
  return new RunnerError(
    ERROR_CODES.MODEL_STREAM_INTERRUPTED,
    `${provider} API stream ended before the response was complete`,
    { retryable: true },
  );
}
