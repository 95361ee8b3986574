// GET /openapi.json: the OpenAPI 3.1 document, built on first use and then served from memory.
// Its builder (every path and schema of the API: ~1 MB of heap) is imported then too: a server
// nobody asks for its document never loads it. Tested by openapi-lazy.test.ts.
import { Hono } from "hono";

export function openApiRoute(version: string): Hono {
  const app = new Hono();
  let body: string | undefined;
  app.get("/openapi.json", async (c) => {
    if (body === undefined) {
      const { buildOpenApiDocument } = await import("../openapi/document.js");
      body = JSON.stringify(buildOpenApiDocument(version));
    }
    return c.body(body, 200, {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-cache",
    });
  });
  return app;
}
