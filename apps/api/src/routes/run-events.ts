// GET /runs/:id/events: replays a run's events (after Last-Event-ID), then follows it live until it ends.
import type { RunStore } from "@sandcaster/core";
import type { Context } from "hono";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { HttpError } from "../http-error.js";
import type { Metrics } from "../metrics/index.js";
import { EventIdSchema } from "../schemas/runs.js";

const PAGE = 500;

function startAfter(c: Context): number {
  const raw = c.req.header("last-event-id") ?? c.req.query("after") ?? "0";
  const after = EventIdSchema.safeParse(raw);
  if (!after.success) {
    throw new HttpError(
      400,
      "INVALID_REQUEST",
      "Last-Event-ID / after must be a non-negative integer",
      {
        details: [
          {
            field: c.req.header("last-event-id") !== undefined ? "Last-Event-ID" : "after",
            message: `not an event id: ${raw}`,
          },
        ],
      },
    );
  }
  return after.data;
}

export function runEventsRoute(store: RunStore, heartbeatMs: number, metrics: Metrics): Hono {
  const app = new Hono();
  app.get("/runs/:id/events", async (c) => {
    const runId = c.req.param("id");
    let after = startAfter(c);
    if (!(await store.getRun(runId)))
      throw new HttpError(404, "NOT_FOUND", `no run with id ${runId}`);
    c.header("X-Run-Id", runId);
    c.header("X-Accel-Buffering", "no");
    c.header("Cache-Control", "no-cache");
    return streamSSE(c, async (stream) => {
      const stop = new AbortController();
      stream.onAbort(() => stop.abort());
      const leave = metrics.sseClientConnected();
      const heartbeat = setInterval(() => void stream.write(": heartbeat\n\n"), heartbeatMs);
      const wakeups = store.watchRun(runId, stop.signal)[Symbol.asyncIterator]();
      try {
        for (;;) {
          // Read the status before the events: a run that ended before this read has all its events stored.
          const ended = (await store.getRun(runId))?.status !== "running";
          for (;;) {
            const page = await store.readEvents(runId, after, PAGE);
            for (const { seq, event } of page) {
              await stream.writeSSE({
                id: String(seq),
                event: event.type,
                data: JSON.stringify(event),
              });
              after = seq;
            }
            if (page.length < PAGE || stream.aborted) break;
          }
          if (ended || stream.aborted) return;
          if ((await wakeups.next()).done) return;
        }
      } finally {
        clearInterval(heartbeat);
        leave();
        stop.abort();
        await wakeups.return?.();
      }
    });
  });
  return app;
}
