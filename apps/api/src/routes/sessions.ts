// /sessions: create, list, read, delete, and the workspace as a tar archive (download, upload).
import type { SessionService } from "@sandcaster/core";
import { CreateSessionRequestSchema } from "@sandcaster/protocol";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import { type SessionList, SessionListQuerySchema } from "../schemas/sessions.js";
import { readQueryParams } from "./read-query-params.js";
import { readJsonBody } from "./read-query-request.js";
import { asHttpError } from "./session-errors.js";

const TAR = "application/x-tar";

export function sessionsRoute(sessions: SessionService | undefined): Hono {
  const app = new Hono();
  const service = () => {
    if (!sessions) throw new HttpError(404, "NOT_FOUND", "sessions are not enabled on this server");
    return sessions;
  };

  app.post("/sessions", async (c) => {
    const request = await readJsonBody(c, CreateSessionRequestSchema);
    const created = await service().create(request, c.req.raw.signal).catch(asHttpError);
    return c.json(created, 201);
  });

  app.get("/sessions", async (c) => {
    const query = readQueryParams(c, SessionListQuerySchema);
    const list: SessionList = { sessions: await service().list(query) };
    return c.json(list);
  });

  app.get("/sessions/:id", async (c) =>
    c.json(await service().get(c.req.param("id")).catch(asHttpError)),
  );

  app.delete("/sessions/:id", async (c) => {
    // Freeing the workspace finishes even if the client leaves meanwhile.
    await service().delete(c.req.param("id"), AbortSignal.timeout(120_000)).catch(asHttpError);
    return c.body(null, 204);
  });

  app.get("/sessions/:id/workspace", async (c) => {
    const id = c.req.param("id");
    const tar = await service().exportWorkspace(id, c.req.raw.signal).catch(asHttpError);
    return c.body(Buffer.from(tar), 200, {
      "content-type": TAR,
      "content-disposition": `attachment; filename="${id}.tar"`,
    });
  });

  app.put("/sessions/:id/workspace", async (c) => {
    const type = c.req.header("content-type") ?? "";
    if (!type.toLowerCase().startsWith(TAR)) {
      throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `send the workspace as ${TAR}`);
    }
    const tar = new Uint8Array(await c.req.arrayBuffer());
    await service().importWorkspace(c.req.param("id"), tar, c.req.raw.signal).catch(asHttpError);
    return c.body(null, 204);
  });
  return app;
}
