// A request the server understood but will not run: answered 400 (or another 4xx) naming the field.
import { SandcasterError } from "./sandcaster-error.js";

const MARKER = Symbol.for("sandcaster.plan-error");

export class PlanError extends SandcasterError {
  readonly [MARKER] = true;
  declare readonly code: "INVALID_REQUEST";
  readonly field: string;
  readonly status: 400 | 409 | 503;

  constructor(field: string, message: string, status: 400 | 409 | 503 = 400) {
    super("INVALID_REQUEST", message);
    this.name = "PlanError";
    this.field = field;
    this.status = status;
  }

  static override isInstance(value: unknown): value is PlanError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}
