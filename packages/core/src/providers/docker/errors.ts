// Maps dockerode / docker-modem failures to SandboxError codes with actionable hints.
import { SandboxError, type SandboxErrorCode } from "../../sandbox/sandbox-error.js";

export const IMAGE_HINT =
  "Build the sandbox image with `sandcaster image build` (or `scripts/build-test-image.sh` for the " +
  "minimal offline test image), or set docker.image to an image that has node on PATH.";
export const LOCAL_HINT =
  'Or run without Docker: set sandboxProvider to "local" (in sandcaster.json, or per request).';
export const DAEMON_HINT =
  "Start the Docker daemon, or point docker.socketPath / DOCKER_HOST at a reachable daemon.";

const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOENT",
  "EACCES",
  "EPERM",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
]);

interface DockerishError {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  json?: unknown;
}

/** The HTTP status of a docker-modem error, if any. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const status = (error as DockerishError).statusCode;
  return typeof status === "number" ? status : undefined;
}

export function messageOf(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const { json, message } = error as DockerishError;
    if (typeof json === "object" && json !== null && "message" in json) {
      const inner = (json as { message: unknown }).message;
      if (typeof inner === "string") return inner;
    }
    if (typeof message === "string") return message.trim();
  }
  return String(error);
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** A socket-level failure: the daemon cannot be reached at all. */
export function isUnreachable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as DockerishError).code;
  return typeof code === "string" && UNREACHABLE_CODES.has(code) && statusOf(error) === undefined;
}

export function isNoSuchImage(error: unknown): boolean {
  return isNotFound(error) && /no such image|not found|pull access denied/i.test(messageOf(error));
}

/** 404 on a container, or 409 "is not running" / "removal already in progress". */
export function isContainerGone(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 404) return !isNoSuchImage(error);
  return (
    status === 409 && /not running|in progress|is paused|is restarting/i.test(messageOf(error))
  );
}

/** Wraps any failure of `action` into a SandboxError, keeping existing SandboxErrors as they are. */
export function toSandboxError(
  error: unknown,
  fallback: SandboxErrorCode,
  action: string,
  context: { image?: string } = {},
): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  if (isUnreachable(error)) {
    return new SandboxError("SANDBOX_UNAVAILABLE", `Docker daemon unreachable (${action})`, {
      hint: DAEMON_HINT,
      cause: error,
    });
  }
  if (isNoSuchImage(error)) {
    const image = context.image ? ` ${context.image}` : "";
    return new SandboxError("SANDBOX_IMAGE_MISSING", `Docker image${image} not found`, {
      hint: `${IMAGE_HINT} ${LOCAL_HINT}`,
      cause: error,
    });
  }
  if (/executable file not found|no such file or directory/i.test(messageOf(error))) {
    return new SandboxError(fallback, `Docker failed to ${action}: ${messageOf(error)}`, {
      hint: IMAGE_HINT,
      cause: error,
    });
  }
  if (isContainerGone(error)) {
    return new SandboxError(
      "SANDBOX_DESTROYED",
      `The sandbox container is gone (${action}): ${messageOf(error)}`,
      { cause: error },
    );
  }
  return new SandboxError(fallback, `Docker failed to ${action}: ${messageOf(error)}`, {
    cause: error,
  });
}

/** The error an aborted operation rejects with: the signal's reason, like fetch(). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** `promise`, or the signal's reason once it aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() =>
    signal.removeEventListener("abort", onAbort),
  );
}
