// The request body limit (413 PAYLOAD_TOO_LARGE), without building a web Request per request.
// hono's bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build a full Request, its
// Headers and a web stream over the socket for every request (even a GET): kept alive as long as
// the request (an open SSE stream), that is kilobytes per stream. A body with a Content-Length is
// checked against the header (node's HTTP parser never delivers more than it says); only a
// chunked body (no length up front) is counted by hono's bodyLimit as it arrives.
import type { MiddlewareHandler } from "hono";
import { bodyLimit as countingBodyLimit } from "hono/body-limit";
import { HttpError } from "../http-error.js";

export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new HttpError(
      413,
      "PAYLOAD_TOO_LARGE",
      `the request body is larger than ${maxBytes} bytes`,
    );
  };
  const counting = countingBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async function bodyLimit(c, next) {
    const method = c.req.method;
    // Bodies of these are not read by any route (and the server discards them).
    if (method === "GET" || method === "HEAD" || method === "OPTIONS") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (Number(length) > maxBytes) tooLarge();
      return next();
    }
    return counting(c, next);
  };
}
