// Paths of a run's life: POST /query and the /runs family.
import { RunListQuerySchema } from "../schemas/runs.js";
import { parameterRef } from "./components.js";
import { type JsonSchema, objectParameters, schemaRef } from "./json-schema.js";
import { operation, success } from "./operation.js";
import { EVENT_TYPES, eventSchemaName } from "./schemas.js";

const EVENT_LIST = EVENT_TYPES.map((type) => `\`${type}\` (${eventSchemaName(type)})`).join(", ");

const SSE_DESCRIPTION = [
  "Server-Sent Events, one frame per event: `id:` (1, 2, … per run), `event:` (the event's type),",
  "`data:` (the event as JSON, a SandcasterEvent); `: heartbeat` comments keep the connection open.",
  `Event types: ${EVENT_LIST}. The run ends with \`result\` or \`error\` and the stream closes.`,
].join(" ");

export function eventStream(description: string): JsonSchema {
  return success(
    `${description} ${SSE_DESCRIPTION}`,
    { "text/event-stream": { schema: schemaRef("SandcasterEvent") } },
    { "X-Run-Id": { $ref: "#/components/headers/RunId" } },
  );
}

const json = (name: string) => ({ "application/json": { schema: schemaRef(name) } });

export const runPaths: Record<string, JsonSchema> = {
  "/query": {
    post: operation({
      operationId: "query",
      summary: "Start a run and stream its events",
      description:
        "Validates, plans and picks a sandbox before answering: errors up to then are JSON. Then the run streams until it ends; the sandbox is destroyed in every case.",
      tags: ["runs"],
      requestBody: { required: true, content: json("QueryRequest") },
      responses: { "200": eventStream("The run's events, live.") },
      errors: [
        "BadRequest",
        "NotFound",
        "Conflict",
        "Gone",
        "Misdirected",
        "PayloadTooLarge",
        "UnsupportedMediaType",
        "TooManyRequests",
        "ServiceUnavailable",
      ],
    }),
  },
  "/runs": {
    get: operation({
      operationId: "listRuns",
      summary: "List runs, newest first",
      tags: ["runs"],
      parameters: objectParameters(RunListQuerySchema, "query"),
      description:
        'A JSON array of run records. When more runs follow, the `Link` header names the next page: `</runs?…&cursor=…>; rel="next"`.',
      responses: {
        "200": success("One page of runs.", json("RunList"), {
          Link: {
            description: 'The next page, as `<url>; rel="next"`; absent on the last page.',
            schema: { type: "string" },
          },
        }),
      },
      errors: ["BadRequest"],
    }),
  },
  "/runs/{id}": {
    get: operation({
      operationId: "getRun",
      summary: "One run's record",
      tags: ["runs"],
      parameters: [parameterRef("RunId")],
      responses: { "200": success("The run.", json("RunRecord")) },
      errors: ["NotFound"],
    }),
  },
  "/runs/{id}/events": {
    get: operation({
      operationId: "runEvents",
      summary: "Replay a run's events, then follow it live",
      description:
        "From the start, or after Last-Event-ID / `after`; a running run is followed until it ends, on any instance. Ids are those of the /query stream. A browser EventSource, which cannot send headers, authenticates with `?token=` from POST /runs/{id}/stream-token instead of the API key.",
      tags: ["runs"],
      parameters: [
        parameterRef("RunId"),
        parameterRef("LastEventId"),
        parameterRef("After"),
        {
          name: "token",
          in: "query",
          required: false,
          description:
            "A stream token of this run (POST /runs/{id}/stream-token): 401 when expired or invalid, 403 for another run's token.",
          schema: { type: "string" },
        },
      ],
      responses: {
        "200": eventStream("The run's events."),
        "204": {
          description:
            "The run has ended and has no event after Last-Event-ID / `after`: nothing to send (EventSource stops reconnecting).",
        },
        "403": {
          description: "The stream token belongs to another run.",
          content: { "application/json": { schema: schemaRef("ErrorBody") } },
        },
      },
      errors: ["BadRequest", "NotFound"],
    }),
  },
  "/runs/{id}/stream-token": {
    post: operation({
      operationId: "createStreamToken",
      summary: "A short-lived token to follow one run from a browser EventSource",
      description:
        "The token opens only GET /runs/{id}/events of this run (as `?token=`), for a few minutes; the API key never goes into a URL.",
      tags: ["runs"],
      parameters: [parameterRef("RunId")],
      responses: {
        "200": success("The token and when it expires.", {
          "application/json": {
            schema: {
              type: "object",
              required: ["runId", "token", "expiresAt"],
              properties: {
                runId: { type: "string" },
                token: { type: "string" },
                expiresAt: { type: "string", format: "date-time" },
              },
              additionalProperties: false,
            },
          },
        }),
      },
      errors: ["NotFound"],
    }),
  },
  "/runs/{id}/cancel": {
    post: operation({
      operationId: "cancelRun",
      summary: "Stop a run wherever it runs",
      description: "Idempotent. The run's stream ends with an `error` event coded CANCELLED.",
      tags: ["runs"],
      parameters: [parameterRef("RunId")],
      responses: {
        "200": success("The run had already ended: its final status.", json("CancelResponse")),
        "202": success("The run is being stopped.", json("CancelResponse")),
      },
      errors: ["NotFound"],
    }),
  },
};
