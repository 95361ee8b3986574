// Paths of run-completion webhooks: what was sent for a run, try by try.
import { parameterRef } from "./components.js";
import { type JsonSchema, schemaRef } from "./json-schema.js";
import { operation, success } from "./operation.js";

export const webhookPaths: Record<string, JsonSchema> = {
  "/runs/{id}/webhooks": {
    get: operation({
      operationId: "runWebhooks",
      summary: "A run's completion webhook and every try to deliver it",
      description:
        "A run whose request (or sandcaster.json) named a `webhook` gets one delivery when it ends, signed per Standard Webhooks; each try shows its status or why it failed (a refused private address, a timeout, the receiver's answer).",
      tags: ["runs"],
      parameters: [parameterRef("RunId")],
      responses: {
        "200": success("The run's deliveries (none or one).", {
          "application/json": { schema: schemaRef("RunWebhooks") },
        }),
      },
      errors: ["NotFound"],
    }),
  },
};
