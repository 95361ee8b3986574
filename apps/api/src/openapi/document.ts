// The OpenAPI 3.1 document of every route the app serves; built once per server from the zod schemas.
import { headers, parameters, responses, securitySchemes } from "./components.js";
import type { JsonSchema } from "./json-schema.js";
import { agentPaths } from "./paths-agents.js";
import { consolePaths } from "./paths-console.js";
import { pipelinePaths } from "./paths-pipelines.js";
import { runPaths } from "./paths-runs.js";
import { servicePaths } from "./paths-service.js";
import { sessionPaths } from "./paths-sessions.js";
import { webhookPaths } from "./paths-webhooks.js";
import { documentSchemas } from "./schemas.js";

export function buildOpenApiDocument(version: string): JsonSchema {
  return {
    openapi: "3.1.0",
    info: {
      title: "Sandcaster",
      version,
      summary: "A stateless, streaming agent server",
      description:
        "POST a prompt to /query: the server runs a coding agent in a fresh sandbox, streams every event over Server-Sent Events, and destroys the sandbox. Error bodies are `{error, code, details?}`.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: [
      { name: "runs", description: "Start, follow, list and stop runs." },
      {
        name: "sessions",
        description:
          "Conversations whose workspace and history persist across queries (`sessionId` on /query).",
      },
      { name: "service", description: "Probes, metrics, webhooks and this document." },
      { name: "console", description: "The browser console served at /." },
      {
        name: "templates",
        description: "Sandbox images from declarative specs, built once per spec.",
      },
      {
        name: "agents",
        description: "Your own agent code, invoked per request in a fresh sandbox.",
      },
    ],
    security: [{ bearerAuth: [] }],
    paths: {
      ...runPaths,
      ...webhookPaths,
      ...pipelinePaths,
      ...sessionPaths,
      ...servicePaths,
      ...consolePaths,
      ...agentPaths,
    },
    components: {
      schemas: documentSchemas(),
      responses,
      parameters,
      headers,
      securitySchemes,
    },
  };
}
