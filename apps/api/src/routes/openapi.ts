// GET /openapi.json: the OpenAPI 3.1 document, built on first use and then served from memory.
import { Hono } from "hono";
import { buildOpenApiDocument } from "../openapi/document.js";

export function openApiRoute(version: string): Hono {
  const app = new Hono();
  let body: string | undefined;
  app.get("/openapi.json", (c) => {
    body ??= JSON.stringify(buildOpenApiDocument(version));
    return c.body(body, 200, {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-cache",
    });
  });
  return app;
}
