// A failure that ends a run with a stable code; also the reason carried by an aborted run's signal.
const MARKER = Symbol.for("sandcaster.run-error");

export class RunError extends Error {
  readonly [MARKER] = true;
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = "RunError";
    this.code = code;
    this.hint = hint;
  }

  static isInstance(value: unknown): value is RunError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}

/** Why a run was stopped from outside: the client left, or the server is shutting down. */
export function cancellation(reason: unknown): RunError {
  if (RunError.isInstance(reason)) return reason;
  const text = typeof reason === "string" ? reason : "the run was cancelled";
  return new RunError("CANCELLED", text);
}
