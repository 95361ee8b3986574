// POST /templates (build a spec, once per hash), GET /templates (status), GET /templates/:id and
// GET /templates/:id/logs (the build log as SSE: `log` lines, then one `status` event).
import type { TemplateService } from "@sandcaster/core";
import { CreateTemplateRequestSchema } from "@sandcaster/protocol";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { HttpError } from "../http-error.js";
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
    c.header("Cache-Control", "no-cache");
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      const queue: (string | undefined)[] = [];
      let wake: (() => void) | undefined;
      const push = (line: string | undefined) => {
        queue.push(line);
        wake?.();
      };
      const stop = service.follow(info.id, push);
      stream.onAbort(() => wake?.());
      try {
        while (!stream.aborted) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
            continue;
          }
          const line = queue.shift();
          // `undefined` is the build's end: the last frame is its status.
          if (line === undefined) {
            await stream.writeSSE({ event: "status", data: JSON.stringify(service.get(info.id)) });
            return;
          }
          await stream.writeSSE({ event: "log", data: JSON.stringify({ line }) });
        }
      } finally {
        stop();
      }
    });
  });
  return app;
}
