// One log line per request (method, path, status, time); never headers, so keys cannot leak.
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";

export function requestLog(logger: Logger): MiddlewareHandler {
  return async function requestLog(c, next) {
    const started = performance.now();
    await next();
    const runId = c.res.headers.get("x-run-id") ?? undefined;
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        runId,
      },
      "request",
    );
  };
}
