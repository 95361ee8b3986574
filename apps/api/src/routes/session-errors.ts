// Errors of the session routes as HTTP: SessionError → 404, 409, 410, 421 (with the owner's URL)
// or 400; a request the planner refuses → its 4xx; a refused tar archive → 400; a sandbox
// provider that fails → 503. Anything else stays a 500.
import { PlanError, SandboxError, SessionError } from "@sandcaster/core";
import { HttpError } from "../http-error.js";

/** Rethrows a known error as the HTTP error the client gets; anything else as it is. */
export function asHttpError(error: unknown): never {
  if (SessionError.isInstance(error)) {
    const headers: Record<string, string> = error.ownerUrl
      ? { "x-session-owner": error.ownerUrl }
      : {};
    throw new HttpError(error.status, error.code, error.message, {
      headers,
      ownerUrl: error.ownerUrl,
    });
  }
  if (error instanceof PlanError) {
    throw new HttpError(error.status, error.code, `${error.field}: ${error.message}`, {
      details: [{ field: error.field, message: error.message }],
    });
  }
  if (SandboxError.isInstance(error)) {
    if (error.code === "SANDBOX_INVALID_ARCHIVE") {
      throw new HttpError(400, "INVALID_ARCHIVE", error.message, {
        details: [{ field: "", message: error.message }],
      });
    }
    throw new HttpError(503, error.code, error.message, { headers: { "Retry-After": "5" } });
  }
  throw error;
}
