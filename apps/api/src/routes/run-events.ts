// GET /runs/:id/events: replays a run's events (after Last-Event-ID), then follows it live until it ends.
import { followRunEvents, type RunStore } from "@sandcaster/core";
import type { Context } from "hono";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import type { Metrics } from "../metrics/index.js";
import { EventIdSchema } from "../schemas/runs.js";
import { streamRunEvents, writeEvents } from "./sse-stream.js";

function startAfter(c: Context): number {
  const raw = c.req.header("last-event-id") ?? c.req.query("after") ?? "0";
  const after = EventIdSchema.safeParse(raw);
  if (!after.success) {
    const field = c.req.header("last-event-id") !== undefined ? "Last-Event-ID" : "after";
    throw new HttpError(
      400,
      "INVALID_REQUEST",
      "Last-Event-ID / after must be a non-negative integer",
      { details: [{ field, message: `not an event id: ${raw}` }] },
    );
  }
  return after.data;
}

export function runEventsRoute(store: RunStore, heartbeatMs: number, metrics: Metrics): Hono {
  const app = new Hono();
  app.get("/runs/:id/events", async (c) => {
    const runId = c.req.param("id");
    const after = startAfter(c);
    if (!(await store.getRun(runId)))
      throw new HttpError(404, "NOT_FOUND", `no run with id ${runId}`);
    return streamRunEvents(c, { runId, heartbeatMs, metrics }, async (stream) => {
      const stop = new AbortController();
      stream.onAbort(() => stop.abort());
      try {
        for await (const page of followRunEvents(store, runId, after, stop.signal)) {
          if (!(await writeEvents(stream, page))) break;
        }
      } finally {
        stop.abort();
      }
    });
  });
  return app;
}
