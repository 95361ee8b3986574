// Maps E2B SDK failures to SandboxError codes with actionable hints.
import { SandboxError, type SandboxErrorCode } from "../../sandbox/sandbox-error.js";
import { isSdkError } from "./sdk.js";

export const AUTH_HINT = "Check E2B_API_KEY on the server, or the request's apiKeys.e2b.";
export const RATE_LIMIT_HINT =
  "E2B is rate limiting this API key: retry later, or raise the key's limits.";
export const LOST_HINT =
  "The E2B sandbox ended early (killed, or it outlived its timeout); run again.";
export const DISK_HINT = "The E2B sandbox ran out of disk space; use a template with more disk.";
export const BUSY_HINT = "E2B has no capacity right now; retry in a moment.";
export const UNREACHABLE_HINT =
  "Check network access to E2B (or E2B_DOMAIN / E2B_API_URL / E2B_SANDBOX_URL).";

/**
 * The four codes this provider introduces. They must be added to SANDBOX_ERROR_CODES in
 * sandbox/sandbox-error.ts; until then this is the only cast.
 */
export type E2BErrorCode =
  | "SANDBOX_AUTH"
  | "SANDBOX_RATE_LIMITED"
  | "SANDBOX_LOST"
  | "SANDBOX_DISK_FULL";
const code = (value: E2BErrorCode | SandboxErrorCode) => value as SandboxErrorCode;

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The SDK's "sandbox is gone" family: timed out, killed, or not found (files excepted). */
export function isSandboxGone(error: unknown): boolean {
  if (isSdkError(error, "FileNotFoundError")) return false;
  return isSdkError(error, "TimeoutError") || isSdkError(error, "NotFoundError");
}

export function isFileNotFound(error: unknown): boolean {
  return isSdkError(error, "FileNotFoundError");
}

const UNREACHABLE = /fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH/i;

/**
 * Wraps any failure of `action` into a SandboxError, keeping existing SandboxErrors as they are.
 * `gone` decides whether a timeout / not-found means the sandbox was lost (true for operations
 * on a sandbox, false for create, where it means creation failed).
 */
export function toSandboxError(
  error: unknown,
  fallback: SandboxErrorCode,
  action: string,
  options: { gone?: boolean } = {},
): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  const detail = messageOf(error);
  const make = (c: E2BErrorCode | SandboxErrorCode, message: string, hint?: string) =>
    new SandboxError(code(c), message, { cause: error, ...(hint ? { hint } : {}) });
  if (isSdkError(error, "AuthenticationError")) {
    return make("SANDBOX_AUTH", `E2B rejected the API key (${action}): ${detail}`, AUTH_HINT);
  }
  if (isSdkError(error, "RateLimitError")) {
    return make("SANDBOX_RATE_LIMITED", `E2B rate limited ${action}: ${detail}`, RATE_LIMIT_HINT);
  }
  if (isSdkError(error, "NotEnoughSpaceError")) {
    return make(
      "SANDBOX_DISK_FULL",
      `E2B sandbox is out of disk (${action}): ${detail}`,
      DISK_HINT,
    );
  }
  if (isSdkError(error, "ServiceBusyError")) {
    return make("SANDBOX_UNAVAILABLE", `E2B is busy (${action}): ${detail}`, BUSY_HINT);
  }
  if (options.gone !== false && isSandboxGone(error)) {
    return make("SANDBOX_LOST", `The E2B sandbox is gone (${action}): ${detail}`, LOST_HINT);
  }
  if (UNREACHABLE.test(detail) || UNREACHABLE.test(messageOf((error as Error)?.cause))) {
    return make("SANDBOX_UNAVAILABLE", `E2B unreachable (${action}): ${detail}`, UNREACHABLE_HINT);
  }
  return make(fallback, `E2B failed to ${action}: ${detail}`);
}

export function lostError(action: string, cause?: unknown): SandboxError {
  return new SandboxError(code("SANDBOX_LOST"), `The E2B sandbox is gone (${action})`, {
    hint: LOST_HINT,
    cause,
  });
}

export const WORKSPACE_LOST_HINT =
  "Its files cannot be recovered: delete the session and start a new one.";

/** A session workspace whose sandbox E2B no longer has (deleted, killed, or expired). */
export function workspaceLostError(ref: string, cause?: unknown): SandboxError {
  return new SandboxError(
    code("SANDBOX_LOST"),
    `The session workspace (E2B sandbox ${ref}) is gone: it was deleted, killed or expired at E2B`,
    { hint: WORKSPACE_LOST_HINT, cause },
  );
}

export function isLost(error: unknown): boolean {
  return SandboxError.isInstance(error) && (error.code as string) === "SANDBOX_LOST";
}

/** The error an aborted operation rejects with: the signal's reason, like fetch(). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}
