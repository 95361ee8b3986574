// The upstream project's session routes, on our sessions: POST /sessions with a prompt (create, then
// stream the first turn after `session_created`), POST /sessions/:id/messages (a turn or a slash
// command), GET /sessions/:id/events (attach). A POST /sessions body without `prompt` or
// `sessionConfig` is ours: it passes on to sessionsRoute (201 JSON).
import type { RunStore, SessionService } from "@sandcaster/core";
import {
  CreateSessionRequestSchema,
  type QueryRequest,
  type SessionEvent,
  SessionMessageRequestSchema,
  sessionCommandOf,
  UpstreamCreateSessionRequestSchema,
} from "@sandcaster/protocol";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { HttpError } from "../http-error.js";
import { type QueryRouteDeps, streamQuery } from "./query.js";
import { readJsonBody } from "./read-query-request.js";
import { refuseWhileDraining } from "./run-admission.js";
import { asHttpError } from "./session-errors.js";
import { runSessionCommand } from "./upstream-session-commands.js";
import { attachPoint, followSession } from "./upstream-session-follow.js";
import { TurnSettings } from "./upstream-turn-settings.js";

/** Upstream's create body always has `prompt` (and may have `sessionConfig`); ours has neither. */
async function isUpstreamCreate(c: Context): Promise<boolean> {
  try {
    const body: unknown = JSON.parse(await c.req.text());
    return (
      typeof body === "object" && body !== null && ("prompt" in body || "sessionConfig" in body)
    );
  } catch {
    return false; // sessionsRoute answers the bad body
  }
}

export function upstreamSessionsRoute(
  sessions: SessionService | undefined,
  query: QueryRouteDeps & { runs: { store: RunStore } },
): Hono {
  const app = new Hono();
  const store = query.runs.store;
  const settings = new TurnSettings();
  const service = () => {
    if (!sessions) throw new HttpError(404, "NOT_FOUND", "sessions are not enabled on this server");
    return sessions;
  };

  app.post("/sessions", async (c, next) => {
    if (!(await isUpstreamCreate(c))) return next();
    refuseWhileDraining(query.isDraining);
    const { sessionConfig, ...first } = await readJsonBody(c, UpstreamCreateSessionRequestSchema);
    const created = await service()
      .create(
        CreateSessionRequestSchema.parse({
          ...sessionConfig,
          ...(first.sandboxProvider ? { sandboxProvider: first.sandboxProvider } : {}),
        }),
        c.req.raw.signal,
      )
      .catch(asHttpError);
    const { prompt: _p, files: _f, ...kept } = first;
    settings.keep(created.id, kept);
    const opening: SessionEvent = {
      type: "session_created",
      sessionId: created.id,
      content: `Session ${created.id} created`,
    };
    try {
      return await streamQuery(c, query, { ...first, sessionId: created.id }, [opening]);
    } catch (error) {
      // Refused before it ran (a full queue, a bad plan): no session is left behind.
      settings.forget(created.id);
      await service()
        .delete(created.id, AbortSignal.timeout(120_000))
        .catch(() => undefined);
      throw error;
    }
  });

  app.post("/sessions/:id/messages", async (c) => {
    const id = c.req.param("id");
    const message = await readJsonBody(c, SessionMessageRequestSchema);
    const command = sessionCommandOf(message.prompt);
    if (command) {
      const result = await runSessionCommand(command, id, service(), store);
      return streamSSE(c, async (stream) => {
        await stream.write(`event: ${result.type}\ndata: ${JSON.stringify(result)}\n\n`);
      });
    }
    refuseWhileDraining(query.isDraining);
    const turn: QueryRequest = {
      ...settings.of(id),
      prompt: message.prompt,
      ...(message.files ? { files: message.files } : {}),
      sessionId: id,
    };
    return streamQuery(c, query, turn);
  });

  app.get("/sessions/:id/events", async (c) => {
    const id = c.req.param("id");
    await service().get(id).catch(asHttpError);
    const seen = await attachPoint(store, id);
    c.header("X-Accel-Buffering", "no");
    c.header("Cache-Control", "no-cache");
    return streamSSE(c, async (stream) => {
      const stop = new AbortController();
      stream.onAbort(() => stop.abort());
      const leave = query.metrics.sseClientConnected();
      const heartbeat = setInterval(() => void stream.write(": heartbeat\n\n"), query.heartbeatMs);
      try {
        for await (const frames of followSession(store, id, seen, stop.signal)) {
          if (stream.aborted) break;
          await stream.write(frames);
        }
      } finally {
        stop.abort();
        clearInterval(heartbeat);
        leave();
      }
    });
  });
  return app;
}
