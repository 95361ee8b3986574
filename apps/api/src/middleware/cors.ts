// Cross-origin access for browser apps (sandcaster.json `cors.origins`): off unless origins are listed.
import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";

/** Headers a browser app reads from our answers (run id, paging, back-off). */
const EXPOSED = ["X-Run-Id", "Retry-After", "WWW-Authenticate"];
/** Headers a browser app sends: auth, JSON bodies, SSE resume. */
const ALLOWED = ["Authorization", "Content-Type", "Last-Event-ID"];

/** Answers preflights and adds CORS headers for listed origins; a no-op when none are. */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  if (origins.length === 0) {
    return async function noCors(_c, next) {
      await next();
    };
  }
  const any = origins.includes("*");
  const listed = new Set(origins);
  return honoCors({
    // An unlisted origin gets no Access-Control-Allow-Origin, so its browser blocks the answer.
    origin: any ? "*" : (origin) => (listed.has(origin) ? origin : null),
    allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowHeaders: ALLOWED,
    exposeHeaders: EXPOSED,
    maxAge: 600,
  });
}
