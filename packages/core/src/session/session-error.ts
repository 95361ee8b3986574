// Why a session request cannot be served; its HTTP status comes from protocol's ERROR_HTTP_STATUS.
import { httpStatusOf } from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";

export type SessionErrorCode =
  | "SESSION_NOT_FOUND"
  | "SESSION_EXPIRED"
  | "SESSION_BUSY"
  | "SESSION_ELSEWHERE"
  | "SESSION_UNSUPPORTED";

const MARKER = Symbol.for("sandcaster.session-error");

export class SessionError extends SandcasterError {
  readonly [MARKER] = true;
  declare readonly code: SessionErrorCode;

  constructor(
    code: SessionErrorCode,
    message: string,
    /** SESSION_ELSEWHERE: the owning instance's advertised URL, when it has one. */
    readonly ownerUrl?: string | undefined,
  ) {
    super(code, message);
    this.name = "SessionError";
  }

  /** 404, 409, 410, 421 or 400. */
  get status(): number {
    return httpStatusOf(this.code).status;
  }

  static override isInstance(value: unknown): value is SessionError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}
