// The one error type of Sandcaster: a stable `code` clients branch on, a sentence, an optional hint.
// Recognised by a global symbol, so it survives duplicated copies of this package.
const MARKER = Symbol.for("sandcaster.error");

export interface SandcasterErrorOptions {
  /** What the caller can do about it ("set ANTHROPIC_API_KEY …"). */
  hint?: string | undefined;
  cause?: unknown;
}

export class SandcasterError extends Error {
  readonly [MARKER] = true;
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: SandcasterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SandcasterError";
    this.code = code;
    this.hint = options.hint;
  }

  static isInstance(value: unknown): value is SandcasterError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}
