// Typed sandbox failures with stable codes; they survive duplicated packages via a global symbol.
import { SandcasterError } from "../errors/sandcaster-error.js";

const MARKER = Symbol.for("sandcaster.sandbox-error");

export const SANDBOX_ERROR_CODES = [
  "SANDBOX_UNAVAILABLE",
  "SANDBOX_CREATE_FAILED",
  "SANDBOX_IO_FAILED",
  "SANDBOX_EXEC_FAILED",
  "SANDBOX_DESTROYED",
  "SANDBOX_AUTH",
  "SANDBOX_RATE_LIMITED",
  "SANDBOX_LOST",
  "SANDBOX_DISK_FULL",
  /** A workspace archive (tar) that was unreadable or broke a rule: the caller's fault. */
  "SANDBOX_INVALID_ARCHIVE",
  /** The configured image is not on the Docker host (an operator's fix: build it, or go local). */
  "SANDBOX_IMAGE_MISSING",
] as const;
export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number];

export class SandboxError extends SandcasterError {
  readonly [MARKER] = true;
  declare readonly code: SandboxErrorCode;

  constructor(
    code: SandboxErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = "SandboxError";
  }

  static override isInstance(value: unknown): value is SandboxError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}
