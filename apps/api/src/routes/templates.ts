// POST /templates (build a spec, once per hash), GET /templates (status), GET /templates/:id and
// GET /templates/:id/logs (the build log as SSE: `log` lines, then one `status` event).
import type { TemplateService } from "@sandcaster/core";
import { CreateTemplateRequestSchema } from "@sandcaster/protocol";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import { buildLogSse } from "./build-log-sse.js";
import { readJsonBody } from "./read-query-request.js";

function unavailable(): never {
  throw new HttpError(404, "NOT_FOUND", "templates are not enabled on this server");
}

export function templatesRoute(templates: TemplateService | undefined): Hono {
  const app = new Hono();
  const known = (id: string) => {
    const info = templates?.get(id);
    if (!info) throw new HttpError(404, "NOT_FOUND", `no template ${id}`);
    return info;
  };
  app.post("/templates", async (c) => {
    if (!templates) unavailable();
    const request = await readJsonBody(c, CreateTemplateRequestSchema);
    const info = templates.ensure(request.spec, request.name);
    return c.json(info, info.status === "building" ? 202 : 200);
  });
  app.get("/templates", (c) => {
    if (!templates) unavailable();
    return c.json({ templates: templates.list() });
  });
  app.get("/templates/:id", (c) => c.json(known(c.req.param("id"))));
  app.get("/templates/:id/logs", (c) => {
    const info = known(c.req.param("id"));
    const service = templates as TemplateService;
    return buildLogSse(c, {
      follow: (onLine) => service.follow(info.id, onLine),
      status: () => service.get(info.id),
    });
  });
  return app;
}
