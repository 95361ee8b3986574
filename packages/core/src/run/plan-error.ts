// A request the server understood but will not run: answered 400 (or another 4xx) naming the field.
export class PlanError extends Error {
  readonly code = "INVALID_REQUEST";
  readonly field: string;
  readonly status: 400 | 409 | 503;

  constructor(field: string, message: string, status: 400 | 409 | 503 = 400) {
    super(message);
    this.name = "PlanError";
    this.field = field;
    this.status = status;
  }
}
