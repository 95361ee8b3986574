// Requires `Authorization: Bearer <SANDCASTER_API_KEY>` when a key is configured; compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { HttpError } from "../http-error.js";
import type { StreamTokens } from "./stream-token.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** The one route a stream token opens: a run's event stream (EventSource cannot send headers). */
const EVENTS_PATH = /^\/runs\/([^/]+)\/events$/;

/**
 * `publicPaths`: exact paths, or prefixes written `/dir/*` (which match `/dir/` and below).
 * `tokens`: when given, `GET /runs/:id/events?token=` with that run's stream token passes too.
 */
export function bearerAuth(
  apiKey: string | undefined,
  publicPaths: readonly string[],
  tokens?: StreamTokens,
): MiddlewareHandler {
  const expected = apiKey ? digest(apiKey) : undefined;
  const exact = new Set(publicPaths.filter((p) => !p.endsWith("/*")));
  const prefixes = publicPaths.filter((p) => p.endsWith("/*")).map((p) => p.slice(0, -1));
  const isPublic = (path: string) => exact.has(path) || prefixes.some((p) => path.startsWith(p));
  return async function bearerAuth(c, next) {
    if (!expected || isPublic(c.req.path)) return next();
    const events = c.req.method === "GET" ? EVENTS_PATH.exec(c.req.path) : null;
    const token = c.req.query("token");
    if (tokens && events?.[1] && token !== undefined && !c.req.header("authorization")) {
      await tokens.check(token, decodeURIComponent(events[1]));
      return next();
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    // Hashing first gives equal-length buffers, so the comparison never leaks the key's length.
    if (!match?.[1] || !timingSafeEqual(digest(match[1].trim()), expected)) {
      throw new HttpError(
        401,
        "UNAUTHORIZED",
        "missing or wrong API key: send Authorization: Bearer <key>",
        {
          headers: { "WWW-Authenticate": 'Bearer realm="sandcaster"' },
        },
      );
    }
    return next();
  };
}
