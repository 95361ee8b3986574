// SessionError → HttpError: 404, 409, 410, 421 (with the owner's URL), 400.
import { SessionError } from "@sandcaster/core";
import { HttpError } from "../http-error.js";

/** Rethrows a SessionError as the HTTP error the client gets; anything else as it is. */
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
  throw error;
}
