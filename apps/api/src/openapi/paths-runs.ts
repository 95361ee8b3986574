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
      responses: { "200": success("One page of runs.", json("RunPage")) },
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
        "From the start, or after Last-Event-ID / `after`; a running run is followed until it ends, on any instance. Ids are those of the /query stream.",
      tags: ["runs"],
      parameters: [parameterRef("RunId"), parameterRef("LastEventId"), parameterRef("After")],
      responses: { "200": eventStream("The run's events.") },
      errors: ["BadRequest", "NotFound"],
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
