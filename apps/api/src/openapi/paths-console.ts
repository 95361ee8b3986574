// Paths of the web console: its page at / and its static files under /console/.
import { ASSET_FILE } from "../console/assets.js";
import type { JsonSchema } from "./json-schema.js";
import { operation, success } from "./operation.js";

const text = (type: string) => ({ [type]: { schema: { type: "string" } } });

export const consolePaths: Record<string, JsonSchema> = {
  "/": {
    get: operation({
      operationId: "console",
      summary: "The web console (playground and runs dashboard)",
      description:
        "Public: the page asks for the API key itself when the API answers 401 and keeps it for the browser session.",
      tags: ["console"],
      auth: "public",
      responses: { "200": success("The console's HTML page.", text("text/html")) },
    }),
  },
  "/docs": {
    get: operation({
      operationId: "apiDocs",
      summary: "This API description as a readable page",
      description: "Public: renders /openapi.json in the browser, with no file from elsewhere.",
      tags: ["console"],
      auth: "public",
      responses: { "200": success("The API reference's HTML page.", text("text/html")) },
    }),
  },
  "/console/{file}": {
    get: operation({
      operationId: "consoleAsset",
      summary: "A static asset of the web console (ES modules, CSS, icon)",
      tags: ["console"],
      auth: "public",
      parameters: [
        {
          name: "file",
          in: "path",
          required: true,
          schema: { type: "string", pattern: ASSET_FILE.source },
        },
        {
          name: "If-None-Match",
          in: "header",
          required: false,
          schema: { type: "string" },
        },
      ],
      responses: {
        "200": success("The asset, with an ETag.", {
          "text/javascript": { schema: { type: "string" } },
          "text/css": { schema: { type: "string" } },
          "image/svg+xml": { schema: { type: "string" } },
        }),
        "304": { description: "Unchanged since the ETag sent in If-None-Match." },
      },
      errors: ["NotFound"],
    }),
  },
};
