// Templates (declarative sandbox images, built once per spec hash) and custom agents (your own code,
// invoked per request in a fresh sandbox from its template).
import { AgentNameSchema, RollbackAgentRequestSchema, SecretKeySchema } from "@sandcaster/protocol";
import { inlineSchema, type JsonSchema, schemaRef } from "./json-schema.js";
import { operation, success } from "./operation.js";
import { eventStream } from "./paths-runs.js";

const json = (name: string) => ({ "application/json": { schema: schemaRef(name) } });
const anyObject = { "application/json": { schema: { type: "object" } } };

const templateId: JsonSchema = {
  name: "id",
  in: "path",
  required: true,
  description: "The template's id: the sha256 of its spec's canonical JSON.",
  schema: { type: "string", minLength: 1 },
};
const agentName: JsonSchema = {
  name: "name",
  in: "path",
  required: true,
  schema: inlineSchema(AgentNameSchema, "input"),
};
const secretKey: JsonSchema = {
  name: "key",
  in: "path",
  required: true,
  schema: inlineSchema(SecretKeySchema, "input"),
};

export const agentPaths: Record<string, JsonSchema> = {
  "/templates": {
    post: operation({
      operationId: "createTemplate",
      summary: "Build a template (once per spec)",
      description:
        "202 while it builds, 200 when a template with the same canonical spec already exists (nothing is built twice). Follow the build at /templates/{id}/logs.",
      tags: ["templates"],
      requestBody: { required: true, content: json("CreateTemplateRequest") },
      responses: {
        "200": success("Already built (or failed before).", anyObject),
        "202": success("Building.", anyObject),
      },
      errors: ["BadRequest", "NotFound"],
    }),
    get: operation({
      operationId: "listTemplates",
      summary: "Templates with their status (building, ready, failed)",
      tags: ["templates"],
      responses: { "200": success("The templates.", anyObject) },
      errors: ["NotFound"],
    }),
  },
  "/templates/{id}": {
    get: operation({
      operationId: "getTemplate",
      summary: "One template's status (a failure names its step, exit code and output tail)",
      tags: ["templates"],
      parameters: [templateId],
      responses: { "200": success("The template.", anyObject) },
      errors: ["NotFound"],
    }),
  },
  "/templates/{id}/logs": {
    get: operation({
      operationId: "templateLogs",
      summary: "The build log as Server-Sent Events: `log` lines, then one `status` event",
      tags: ["templates"],
      parameters: [templateId],
      responses: {
        "200": success("The build log, live.", {
          "text/event-stream": { schema: { type: "string" } },
        }),
      },
      errors: ["NotFound"],
    }),
  },
  "/agents": {
    post: operation({
      operationId: "deployAgent",
      summary:
        "Deploy an agent: its code (a base64 tar) built into a template with its dependencies",
      tags: ["agents"],
      requestBody: { required: true, content: json("DeployAgentRequest") },
      responses: { "202": success("Deploying: building → active | failed.", anyObject) },
      errors: ["BadRequest", "NotFound", "PayloadTooLarge"],
    }),
    get: operation({
      operationId: "listAgents",
      summary: "Agents with their versions and status",
      tags: ["agents"],
      responses: { "200": success("The agents.", anyObject) },
      errors: ["NotFound"],
    }),
  },
  "/agents/{name}": {
    get: operation({
      operationId: "getAgent",
      summary: "One agent: versions, status, secret names (never values)",
      tags: ["agents"],
      parameters: [agentName],
      responses: { "200": success("The agent.", anyObject) },
      errors: ["NotFound"],
    }),
    delete: operation({
      operationId: "deleteAgent",
      summary: "Delete an agent: its versions, secrets and warm sandboxes (404 after)",
      tags: ["agents"],
      parameters: [agentName],
      responses: { "204": { description: "Deleted." } },
      errors: ["BadRequest", "NotFound"],
    }),
  },
  "/agents/{name}/rollback": {
    post: operation({
      operationId: "rollbackAgent",
      summary:
        "Make an earlier version that built the one invoked (its warm pool replaces the old)",
      tags: ["agents"],
      parameters: [agentName],
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: inlineSchema(RollbackAgentRequestSchema, "input") },
        },
      },
      responses: { "200": success("The agent, with its new activeVersion.", anyObject) },
      errors: ["BadRequest", "NotFound", "Conflict"],
    }),
  },
  "/agents/{name}/logs": {
    get: operation({
      operationId: "getAgentLogs",
      summary: "A version's build log (default: the newest version)",
      description:
        "SSE: `log` frames `{line}`, then one `status` frame with the version's info. With `Accept: application/json`: `{version, status, lines}` once the build ended.",
      tags: ["agents"],
      parameters: [
        agentName,
        {
          name: "version",
          in: "query",
          required: false,
          schema: { type: "integer", minimum: 1 },
        },
      ],
      responses: {
        "200": success("The build log.", {
          "text/event-stream": { schema: { type: "string" } },
          ...anyObject,
        }),
      },
      errors: ["BadRequest", "NotFound"],
    }),
  },
  "/agents/{name}/secrets": {
    get: operation({
      operationId: "listAgentSecrets",
      summary: "The agent's secret names and when each was set (never values)",
      tags: ["agents"],
      parameters: [agentName],
      responses: { "200": success("{secrets: [{name, updatedAt}]}.", anyObject) },
      errors: ["BadRequest", "NotFound"],
    }),
  },
  "/agents/secrets/rotate": {
    post: operation({
      operationId: "rotateAgentSecrets",
      summary:
        "Re-seal every secret under SANDCASTER_SECRETS_KEY (those a SANDCASTER_SECRETS_KEY_PREVIOUS key opens)",
      tags: ["agents"],
      responses: { "200": success("{rotated, current, unreadable}.", anyObject) },
      errors: ["NotFound", "Conflict"],
    }),
  },
  "/agents/{name}/secrets/{key}": {
    put: operation({
      operationId: "setAgentSecret",
      summary: "Set a secret (AES-256-GCM at rest; only the agent's process gets it)",
      tags: ["agents"],
      parameters: [agentName, secretKey],
      requestBody: { required: true, content: json("SecretValueRequest") },
      responses: { "200": success("The agent's secret names.", anyObject) },
      errors: ["BadRequest", "NotFound"],
    }),
    delete: operation({
      operationId: "deleteAgentSecret",
      summary: "Remove a secret",
      tags: ["agents"],
      parameters: [agentName, secretKey],
      responses: { "200": success("Removed.", anyObject) },
      errors: ["NotFound"],
    }),
  },
  "/agents/{name}/invoke": {
    post: operation({
      operationId: "invokeAgent",
      summary: "Invoke an agent in a fresh sandbox: the prompt on its stdin",
      description:
        "Streams `system`, `stdout`/`stderr` chunks, `file` events and a `result` whose `content` is the whole stdout (with `exitCode`, `durationSecs`); a non-zero exit is `error` `AGENT_FAILED` with the agent's `exitCode` (null when a signal killed it), an overrun `TIMEOUT`. With `?wait=true` the answer is JSON `{runId, output, exitCode, durationSecs, error?}`.",
      tags: ["agents"],
      parameters: [
        {
          name: "wait",
          in: "query",
          required: false,
          schema: { type: "string", enum: ["true", "false"] },
        },
        agentName,
      ],
      requestBody: { required: true, content: json("InvokeAgentRequest") },
      responses: { "200": eventStream("The invocation's events, live (JSON with ?wait=true).") },
      errors: ["BadRequest", "NotFound", "Conflict", "TooManyRequests", "ServiceUnavailable"],
    }),
  },
};
