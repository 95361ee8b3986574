// The HTTP request's span (SERVER kind), joined to the caller's trace when it sent a W3C
// `traceparent`; a run the route starts is its child. Installed only when traces are on.
import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { Context as HonoContext, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";

/** Each request's trace context, for the routes (kept off AsyncLocalStorage: its hooks cost). */
const contexts = new WeakMap<Request, Context>();

/** The trace context of this request's span; undefined when traces are off. */
export function requestTraceContext(c: HonoContext): Context | undefined {
  return contexts.get(c.req.raw);
}

/** The request's trace id, for its log line; undefined when traces are off. */
export function requestTraceId(c: HonoContext): string | undefined {
  const context = contexts.get(c.req.raw);
  return context ? trace.getSpanContext(context)?.traceId : undefined;
}

// Attribute names of the HTTP semantic conventions, as literals: the conventions package is large and
// would load on every server, traced or not.
const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

export function traceRequest(tracer: Tracer): MiddlewareHandler {
  return async function traceRequest(c, next) {
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const method = c.req.method;
    // Only the path: a query string may carry tokens.
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: { "http.request.method": method, "url.path": c.req.path },
      },
      parent,
    );
    contexts.set(c.req.raw, trace.setSpan(parent, span));
    try {
      await next();
    } finally {
      // The matched route (low cardinality), known once routing ran.
      const route = routePath(c, -1);
      if (route && route !== "/*") {
        span.updateName(`${method} ${route}`);
        span.setAttribute("http.route", route);
      }
      const status = c.res.status;
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
