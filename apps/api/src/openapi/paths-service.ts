// Paths around the runs: probes, metrics, the E2B webhook and this document.
import { type JsonSchema, schemaRef } from "./json-schema.js";
import { operation, success } from "./operation.js";

const json = (name: string) => ({ "application/json": { schema: schemaRef(name) } });
const text = (type: string) => ({ [type]: { schema: { type: "string" } } });

export const servicePaths: Record<string, JsonSchema> = {
  "/health": {
    get: operation({
      operationId: "health",
      summary: "Liveness",
      tags: ["service"],
      auth: "public",
      responses: { "200": success("The process serves HTTP.", json("HealthBody")) },
    }),
  },
  "/ready": {
    get: operation({
      operationId: "ready",
      summary: "Readiness: the store and the sandbox provider answer",
      tags: ["service"],
      auth: "public",
      responses: {
        "200": success("Ready for runs.", json("ReadyBody")),
        "503": success("Draining, or a check failed (named in `checks`).", json("ReadyBody")),
      },
    }),
  },
  "/metrics": {
    get: operation({
      operationId: "metrics",
      summary: "Prometheus metrics",
      tags: ["service"],
      responses: {
        "200": success("The Prometheus text exposition format.", text("text/plain")),
      },
    }),
  },
  "/webhooks/e2b": {
    post: operation({
      operationId: "e2bWebhook",
      summary: "E2B sandbox lifecycle events",
      description:
        "Off (404) unless SANDCASTER_E2B_WEBHOOK_SECRET is set. A `sandbox.lifecycle.killed` event under a running run marks it error/SANDBOX_LOST. Idempotent by event id.",
      tags: ["service"],
      auth: "e2b",
      parameters: [
        {
          name: "e2b-signature-version",
          in: "header",
          required: true,
          schema: { type: "string", const: "v1" },
        },
      ],
      requestBody: { required: true, content: json("E2BWebhookPayload") },
      responses: { "200": success("Handled (or seen before).", json("E2BWebhookAck")) },
      errors: ["BadRequest", "NotFound", "PayloadTooLarge"],
    }),
  },
  "/openapi.json": {
    get: operation({
      operationId: "openapi",
      summary: "This document",
      tags: ["service"],
      auth: "public",
      responses: {
        "200": success("OpenAPI 3.1.", { "application/json": { schema: { type: "object" } } }),
      },
    }),
  },
};
