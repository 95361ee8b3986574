// Requires `Authorization: Bearer <SANDCASTER_API_KEY>` when a key is configured; compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { HttpError } from "../http-error.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** `publicPaths`: exact paths, or prefixes written `/dir/*` (which match `/dir/` and below). */
export function bearerAuth(
  apiKey: string | undefined,
  publicPaths: readonly string[],
): MiddlewareHandler {
  const expected = apiKey ? digest(apiKey) : undefined;
  const exact = new Set(publicPaths.filter((p) => !p.endsWith("/*")));
  const prefixes = publicPaths.filter((p) => p.endsWith("/*")).map((p) => p.slice(0, -1));
  const isPublic = (path: string) => exact.has(path) || prefixes.some((p) => path.startsWith(p));
  return async function bearerAuth(c, next) {
    if (!expected || isPublic(c.req.path)) return next();
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
