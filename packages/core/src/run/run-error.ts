// A failure that ends a run with a stable code; also the reason carried by an aborted run's signal.
import type { ErrorCode } from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";

const MARKER = Symbol.for("sandcaster.run-error");

export interface RunErrorDetails {
  /** AGENT_FAILED: the agent's exit code, null when a signal killed it (the `error` event's). */
  exitCode?: number | null;
}

export class RunError extends SandcasterError {
  readonly [MARKER] = true;
  readonly exitCode: number | null | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, details: RunErrorDetails = {}) {
    super(code, message, { hint });
    this.name = "RunError";
    this.exitCode = details.exitCode;
  }

  static override isInstance(value: unknown): value is RunError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}

/**
 * Why a run was stopped from outside: the client left, the server is shutting down, or an
 * extension ended it with its own code (any SandcasterError given as the abort reason).
 */
export function cancellation(reason: unknown): SandcasterError {
  if (SandcasterError.isInstance(reason)) return reason;
  const text = typeof reason === "string" ? reason : "the run was cancelled";
  return new RunError("CANCELLED", text);
}
