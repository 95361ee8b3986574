// Paths of sessions: create, list, read, delete, the workspace as a tar archive, and the upstream
// project's streaming session calls (create with a first turn, messages, attach).
import { SessionListQuerySchema } from "../schemas/sessions.js";
import { parameterRef } from "./components.js";
import { type JsonSchema, objectParameters, schemaRef } from "./json-schema.js";
import { operation, success } from "./operation.js";
import { eventStream } from "./paths-runs.js";

const json = (name: string) => ({ "application/json": { schema: schemaRef(name) } });
const SESSION_FRAMES =
  "Session frames (SessionEvent: `session_created`, `session_expired`, `session_command_result`) carry no `id:`.";

const TAR = {
  "application/x-tar": { schema: { type: "string", contentMediaType: "application/x-tar" } },
};

export const sessionPaths: Record<string, JsonSchema> = {
  "/sessions": {
    post: operation({
      operationId: "createSession",
      summary:
        "Create a session (its workspace is created at once); with a prompt, stream its first turn",
      description:
        "A CreateSessionRequest answers 201 with the session; then POST /query with `sessionId` (or POST /sessions/{id}/messages): each turn runs in a fresh sandbox process with the session's workspace and conversation. A body with `prompt` is the upstream project's form (UpstreamCreateSessionRequest: every QueryRequest field plus `sessionConfig`): the session is created and its first turn streams at once, after a `session_created` frame. docker/local workspaces live on the instance that created them.",
      tags: ["sessions"],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              oneOf: [schemaRef("CreateSessionRequest"), schemaRef("UpstreamCreateSessionRequest")],
            },
          },
        },
      },
      responses: {
        "201": success("The new session.", json("SessionView")),
        "200": eventStream(
          `With \`prompt\`: \`session_created\` {sessionId, content}, then the first turn's events. ${SESSION_FRAMES}`,
        ),
      },
      errors: [
        "BadRequest",
        "UnsupportedMediaType",
        "NotFound",
        "TooManyRequests",
        "ServiceUnavailable",
      ],
    }),
    get: operation({
      operationId: "listSessions",
      summary: "List sessions, newest first",
      tags: ["sessions"],
      parameters: objectParameters(SessionListQuerySchema, "query"),
      description:
        "A JSON array (as upstream clients read it); each session with `lastActivityAt`, `idleTimeoutMs`, `sandboxId`, `runsCount`, `totalTurns`, `totalCostUsd`.",
      responses: { "200": success("Sessions.", json("SessionList")) },
      errors: ["BadRequest", "NotFound"],
    }),
  },
  "/sessions/{id}": {
    get: operation({
      operationId: "getSession",
      summary: "One session",
      tags: ["sessions"],
      parameters: [parameterRef("SessionId")],
      responses: {
        "200": success(
          "The session, with its turns' run records (`runs`, oldest first).",
          json("SessionDetail"),
        ),
      },
      errors: ["NotFound"],
    }),
    delete: operation({
      operationId: "deleteSession",
      summary: "Delete a session and free its workspace",
      tags: ["sessions"],
      parameters: [parameterRef("SessionId")],
      responses: { "204": { description: "Deleted; the workspace is gone." } },
      errors: ["NotFound", "Conflict", "Misdirected"],
    }),
  },
  "/sessions/{id}/messages": {
    post: operation({
      operationId: "sendSessionMessage",
      summary: "Run the session's next turn (or a slash command) and stream it",
      description:
        "The upstream project's turn call: `prompt` and `files`; the turn inherits the settings of the session's first upstream-style request (on the instance that took it). `/status` and `/clear` answer one `session_command_result` frame; `/files` and `/compact` an `error` frame naming what to use instead.",
      tags: ["sessions"],
      parameters: [parameterRef("SessionId")],
      requestBody: { required: true, content: json("SessionMessageRequest") },
      responses: { "200": eventStream(`The turn's events, live. ${SESSION_FRAMES}`) },
      errors: [
        "BadRequest",
        "NotFound",
        "Conflict",
        "Gone",
        "Misdirected",
        "UnsupportedMediaType",
        "TooManyRequests",
        "ServiceUnavailable",
      ],
    }),
  },
  "/sessions/{id}/events": {
    get: operation({
      operationId: "attachSession",
      summary: "Attach to the session: its live turn from the start, then every later turn",
      description:
        "Until the session expires or is deleted: then one `session_expired` frame and the stream ends. Frames carry no `id:` (they span runs); resume one run with GET /runs/{id}/events.",
      tags: ["sessions"],
      parameters: [parameterRef("SessionId")],
      responses: {
        "200": success(`Turns' events. ${SESSION_FRAMES}`, {
          "text/event-stream": { schema: schemaRef("SandcasterEvent") },
        }),
      },
      errors: ["NotFound"],
    }),
  },
  "/sessions/{id}/workspace": {
    get: operation({
      operationId: "downloadSessionWorkspace",
      summary: "The session's workspace as a tar archive",
      tags: ["sessions"],
      parameters: [parameterRef("SessionId")],
      responses: { "200": success("The workspace's files.", TAR) },
      errors: ["BadRequest", "NotFound", "Gone", "Misdirected"],
    }),
    put: operation({
      operationId: "uploadSessionWorkspace",
      summary: "Replace the session's workspace with a tar archive (seed it)",
      tags: ["sessions"],
      parameters: [parameterRef("SessionId")],
      requestBody: { required: true, content: TAR },
      responses: { "204": { description: "The workspace holds the archive's files." } },
      errors: [
        "BadRequest",
        "NotFound",
        "Conflict",
        "Gone",
        "Misdirected",
        "PayloadTooLarge",
        "UnsupportedMediaType",
      ],
    }),
  },
};
