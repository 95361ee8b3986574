// The opaque listing cursor: base64url JSON of the last row's (startedAt epoch ms, id).
import { InvalidCursorError } from "./run-store.js";

export interface RunCursor {
  startedAtMs: number;
  id: string;
}

export function encodeRunCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAtMs, cursor.id]), "utf8").toString("base64url");
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Throws InvalidCursorError for anything encodeRunCursor did not produce. */
export function decodeRunCursor(text: string): RunCursor {
  if (!BASE64URL.test(text)) throw new InvalidCursorError();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(value) || value.length !== 2) throw new InvalidCursorError();
  const [startedAtMs, id] = value as unknown[];
  if (typeof startedAtMs !== "number" || !Number.isSafeInteger(startedAtMs)) {
    throw new InvalidCursorError();
  }
  if (typeof id !== "string") throw new InvalidCursorError();
  const cursor = { startedAtMs, id };
  // Node's base64url decoder skips stray characters; accept only the canonical spelling.
  if (encodeRunCursor(cursor) !== text) throw new InvalidCursorError();
  return cursor;
}
