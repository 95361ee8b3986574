// Short-lived, run-scoped tokens for clients that cannot send headers (a browser EventSource):
// accepted as `?token=` on GET /runs/:id/events of that one run only, so the API key never sits in a URL.
import { createHmac, randomBytes } from "node:crypto";
import { sign, verify } from "hono/jwt";
import { HttpError } from "../http-error.js";

export const STREAM_TOKEN_TTL_SECS = 300;
const SCOPE = "run-events";

export interface StreamTokens {
  issue(runId: string): Promise<{ token: string; expiresAt: string }>;
  /** Throws 401 for a bad or expired token, 403 for a token of another run. */
  check(token: string, runId: string): Promise<void>;
}

/**
 * The signing key derives from the API key, so every instance sharing that key accepts the others'
 * tokens and a new API key revokes them all; without an API key a random per-process key is used.
 */
export function streamTokens(
  apiKey: string | undefined,
  ttlSecs = STREAM_TOKEN_TTL_SECS,
  now: () => number = Date.now,
): StreamTokens {
  const secret = apiKey
    ? createHmac("sha256", apiKey).update("sandcaster stream token v1").digest("base64url")
    : randomBytes(32).toString("base64url");
  const unauthorized = (why: string) =>
    new HttpError(
      401,
      "UNAUTHORIZED",
      `stream token refused: ${why}; ask POST /runs/:id/stream-token for a new one`,
    );
  return {
    async issue(runId) {
      const exp = Math.floor(now() / 1000) + ttlSecs;
      const token = await sign({ sub: runId, scope: SCOPE, exp }, secret, "HS256");
      return { token, expiresAt: new Date(exp * 1000).toISOString() };
    },
    async check(token, runId) {
      let claims: Record<string, unknown>;
      try {
        claims = await verify(token, secret, "HS256");
      } catch (error) {
        const expired = error instanceof Error && error.name === "JwtTokenExpired";
        throw unauthorized(expired ? "it has expired" : "it is not valid");
      }
      if (claims.scope !== SCOPE) throw unauthorized("it is not a stream token");
      if (claims.sub !== runId) {
        throw new HttpError(403, "FORBIDDEN", "this stream token belongs to another run");
      }
    },
  };
}
