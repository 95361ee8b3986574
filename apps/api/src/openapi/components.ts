// The shared pieces operations point at: error responses, headers, parameters and the bearer scheme.
import { EventIdSchema, RunIdSchema } from "../schemas/runs.js";
import { SessionIdSchema } from "../schemas/sessions.js";
import { inlineSchema, type JsonSchema, schemaRef } from "./json-schema.js";

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });
export const responseRef = (name: string) => ref("responses", name);
export const parameterRef = (name: string) => ref("parameters", name);
export const headerRef = (name: string) => ref("headers", name);

const REQUEST_ID_SCHEMA = { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" };

export const headers: Record<string, JsonSchema> = {
  RequestId: {
    description:
      "The request's id, in logs too: the caller's own `x-request-id` when it is a safe token, else a new `req_<uuid>`.",
    schema: REQUEST_ID_SCHEMA,
  },
  RetryAfter: {
    description: "Seconds to wait before trying again.",
    schema: { type: "integer", minimum: 0 },
  },
  RunId: {
    description: "The run's id: for GET /runs/{id}, its events and POST /runs/{id}/cancel.",
    schema: inlineSchema(RunIdSchema, "output"),
  },
  WwwAuthenticate: { schema: { type: "string", const: 'Bearer realm="sandcaster"' } },
};

export const parameters: Record<string, JsonSchema> = {
  RequestId: {
    name: "x-request-id",
    in: "header",
    required: false,
    description: "Your own id for this request, echoed back when it matches the pattern.",
    schema: REQUEST_ID_SCHEMA,
  },
  RunId: { name: "id", in: "path", required: true, schema: inlineSchema(RunIdSchema, "input") },
  SessionId: {
    name: "id",
    in: "path",
    required: true,
    schema: inlineSchema(SessionIdSchema, "input"),
  },
  LastEventId: {
    name: "Last-Event-ID",
    in: "header",
    required: false,
    description: "Resume: only events with a larger id are sent. Wins over `after`.",
    schema: inlineSchema(EventIdSchema, "input"),
  },
  After: {
    name: "after",
    in: "query",
    required: false,
    description: "Like Last-Event-ID, for clients that cannot set headers.",
    schema: inlineSchema(EventIdSchema, "input"),
  },
};

function errorResponse(description: string, extraHeaders: Record<string, unknown> = {}) {
  return {
    description,
    headers: { "x-request-id": headerRef("RequestId"), ...extraHeaders },
    content: { "application/json": { schema: schemaRef("ErrorBody") } },
  };
}

export const responses: Record<string, JsonSchema> = {
  BadRequest: errorResponse(
    "Invalid input; `details` names each offending field (INVALID_REQUEST, INVALID_JSON, …).",
  ),
  Unauthorized: errorResponse("Missing or wrong API key (UNAUTHORIZED).", {
    "WWW-Authenticate": headerRef("WwwAuthenticate"),
  }),
  NotFound: errorResponse("No such run or route (NOT_FOUND)."),
  Conflict: errorResponse("The session is running another turn (SESSION_BUSY)."),
  Gone: errorResponse("The session expired after being idle (SESSION_EXPIRED)."),
  Misdirected: errorResponse(
    "The session's docker/local workspace lives on another instance (SESSION_ELSEWHERE); `ownerUrl` names it.",
    {
      "x-session-owner": {
        description: "The owning instance's advertised URL.",
        schema: { type: "string" },
      },
    },
  ),
  PayloadTooLarge: errorResponse("The body is over the server's limit (PAYLOAD_TOO_LARGE)."),
  UnsupportedMediaType: errorResponse("The body is not JSON (UNSUPPORTED_MEDIA_TYPE)."),
  TooManyRequests: errorResponse("Every run slot and queue place is taken; retry later.", {
    "Retry-After": headerRef("RetryAfter"),
  }),
  ServiceUnavailable: errorResponse("This instance is shutting down; retry on another.", {
    "Retry-After": headerRef("RetryAfter"),
  }),
  InternalError: errorResponse("An unexpected failure (INTERNAL); details are in the server log."),
};

export const securitySchemes = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    description:
      "SANDCASTER_API_KEY. Without it configured the server asks for no key; the public routes never do.",
  },
  e2bSignature: {
    type: "apiKey",
    in: "header",
    name: "e2b-signature",
    description:
      "SHA-256 of SANDCASTER_E2B_WEBHOOK_SECRET + raw body, base64 without padding (with `e2b-signature-version: v1`).",
  },
};
