// Why a session request cannot be served, with the HTTP status the API answers.
export type SessionErrorCode =
  | "SESSION_NOT_FOUND"
  | "SESSION_EXPIRED"
  | "SESSION_BUSY"
  | "SESSION_ELSEWHERE"
  | "SESSION_UNSUPPORTED";

const STATUS: Record<SessionErrorCode, 400 | 404 | 409 | 410 | 421> = {
  SESSION_NOT_FOUND: 404,
  SESSION_EXPIRED: 410,
  SESSION_BUSY: 409,
  SESSION_ELSEWHERE: 421,
  SESSION_UNSUPPORTED: 400,
};

export class SessionError extends Error {
  readonly status: 400 | 404 | 409 | 410 | 421;

  constructor(
    readonly code: SessionErrorCode,
    message: string,
    /** SESSION_ELSEWHERE: the owning instance's advertised URL, when it has one. */
    readonly ownerUrl?: string | undefined,
  ) {
    super(message);
    this.name = "SessionError";
    this.status = STATUS[code];
  }

  static isInstance(error: unknown): error is SessionError {
    return error instanceof Error && error.name === "SessionError" && "status" in error;
  }
}
