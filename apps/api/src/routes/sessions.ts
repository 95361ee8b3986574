// /sessions: create, list, read, delete, and the workspace as a tar archive (download, upload).
//
// Archives are streamed both ways: a workspace may be larger than the server's memory. Uploads
// are capped by sessions.maxArchiveBytes (413), and the generic body limit does not apply to them.
import type { RunStore, SessionService } from "@sandcaster/core";
import { CreateSessionRequestSchema, type SessionsConfig } from "@sandcaster/protocol";
import { type Context, Hono } from "hono";
import { HttpError } from "../http-error.js";
import { SessionListQuerySchema } from "../schemas/sessions.js";
import { readQueryParams } from "./read-query-params.js";
import { readJsonBody } from "./read-query-request.js";
import { asHttpError } from "./session-errors.js";
import { sessionDetail, sessionView } from "./session-view.js";

const TAR = "application/x-tar";
const WORKSPACE_PATH = /^\/sessions\/[^/]+\/workspace\/?$/;

/** The upload that sessions.maxArchiveBytes bounds instead of the generic body limit. */
export function isWorkspaceUpload(c: Context): boolean {
  return c.req.method === "PUT" && WORKSPACE_PATH.test(c.req.path);
}

function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    "PAYLOAD_TOO_LARGE",
    `the workspace archive is larger than sessions.maxArchiveBytes (${limit} bytes)`,
    { details: [{ field: "sessions.maxArchiveBytes", message: `at most ${limit} bytes` }] },
  );
}

/** The request body, erroring once more than `limit` bytes came; `over()` says whether it did. */
function capped(body: ReadableStream<Uint8Array> | null, limit: number) {
  let seen = 0;
  let over = false;
  const source = body ?? new Blob([]).stream();
  const stream = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) {
          over = true;
          controller.error(tooLarge(limit));
        } else {
          controller.enqueue(chunk);
        }
      },
    }),
  );
  return { stream, over: () => over };
}

export function sessionsRoute(
  sessions: SessionService | undefined,
  store: RunStore,
  limits: SessionsConfig = { maxArchiveBytes: 1024 ** 3 },
): Hono {
  const app = new Hono();
  const service = () => {
    if (!sessions) throw new HttpError(404, "NOT_FOUND", "sessions are not enabled on this server");
    return sessions;
  };

  app.post("/sessions", async (c) => {
    const request = await readJsonBody(c, CreateSessionRequestSchema);
    const created = await service().create(request, c.req.raw.signal).catch(asHttpError);
    return c.json(await sessionView(store, created), 201);
  });

  app.get("/sessions", async (c) => {
    const query = readQueryParams(c, SessionListQuerySchema);
    // An array (newest first), as upstream clients read it.
    const list = await service().list(query);
    return c.json(await Promise.all(list.map((session) => sessionView(store, session))));
  });

  app.get("/sessions/:id", async (c) => {
    const session = await service().get(c.req.param("id")).catch(asHttpError);
    return c.json(await sessionDetail(store, session));
  });

  app.delete("/sessions/:id", async (c) => {
    // Freeing the workspace finishes even if the client leaves meanwhile.
    await service().delete(c.req.param("id"), AbortSignal.timeout(120_000)).catch(asHttpError);
    return c.body(null, 204);
  });

  app.get("/sessions/:id/workspace", async (c) => {
    const id = c.req.param("id");
    const archive = await service().exportWorkspace(id, c.req.raw.signal).catch(asHttpError);
    return c.body(archive, 200, {
      "content-type": TAR,
      "content-disposition": `attachment; filename="${id}.tar"`,
    });
  });

  app.put("/sessions/:id/workspace", async (c) => {
    const type = c.req.header("content-type") ?? "";
    if (!type.toLowerCase().startsWith(TAR)) {
      throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `send the workspace as ${TAR}`);
    }
    const limit = limits.maxArchiveBytes;
    if (Number(c.req.header("content-length") ?? 0) > limit) throw tooLarge(limit);
    const upload = capped(c.req.raw.body, limit);
    await service()
      .importWorkspace(c.req.param("id"), upload.stream, c.req.raw.signal)
      .catch((error: unknown) => {
        if (upload.over()) throw tooLarge(limit);
        return asHttpError(error);
      });
    return c.body(null, 204);
  });
  return app;
}
