// One log line per request (method, path, status, time, request id); never headers, so keys cannot leak.
// Every response carries `x-request-id`: the caller's own when it is a safe token, else a new one.
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { requestTraceId } from "../tracing/trace-request.js";

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestLog(logger: Logger): MiddlewareHandler {
  return async function requestLog(c, next) {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : `req_${randomUUID()}`;
    c.header("x-request-id", requestId);
    await next();
    // Error handlers build a fresh response; the id must survive on it too.
    if (!c.res.headers.has("x-request-id")) {
      try {
        c.res.headers.set("x-request-id", requestId);
      } catch {
        // an immutable response (proxied): it keeps its own headers
      }
    }
    const runId = c.res.headers.get("x-run-id") ?? undefined;
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        requestId,
        runId,
        traceId: requestTraceId(c),
      },
      "request",
    );
  };
}
