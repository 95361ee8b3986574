// Kept for routes that still rethrow explicitly: the conversion itself is toHttpError (app.onError).
import { toHttpError } from "../http-error.js";

/** Rethrows a known error as the HTTP error the client gets; anything else as it is. */
export function asHttpError(error: unknown): never {
  throw toHttpError(error) ?? error;
}
