// Paths of sessions: create, list, read, delete, and the workspace as a tar archive.
import { SessionListQuerySchema } from "../schemas/sessions.js";
import { parameterRef } from "./components.js";
import { type JsonSchema, objectParameters, schemaRef } from "./json-schema.js";
import { operation, success } from "./operation.js";

const json = (name: string) => ({ "application/json": { schema: schemaRef(name) } });
const TAR = {
  "application/x-tar": { schema: { type: "string", contentMediaType: "application/x-tar" } },
};

export const sessionPaths: Record<string, JsonSchema> = {
  "/sessions": {
    post: operation({
      operationId: "createSession",
      summary: "Create a session (its workspace is created at once)",
      description:
        "Then POST /query with `sessionId`: each turn runs in a fresh sandbox process with the session's workspace and conversation. docker/local workspaces live on the instance that created them.",
      tags: ["sessions"],
      requestBody: { required: true, content: json("CreateSessionRequest") },
      responses: { "201": success("The new session.", json("SessionRecord")) },
      errors: ["BadRequest", "UnsupportedMediaType", "NotFound", "ServiceUnavailable"],
    }),
    get: operation({
      operationId: "listSessions",
      summary: "List sessions, newest first",
      tags: ["sessions"],
      parameters: objectParameters(SessionListQuerySchema, "query"),
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
      responses: { "200": success("The session.", json("SessionRecord")) },
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
