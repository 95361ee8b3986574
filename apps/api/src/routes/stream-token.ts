// POST /runs/:id/stream-token: a short-lived token that opens GET /runs/:id/events?token= for a
// browser EventSource, which cannot send an Authorization header.
import type { RunStore } from "@sandcaster/core";
import type { StreamTokenResponse } from "@sandcaster/protocol";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import type { StreamTokens } from "../middleware/stream-token.js";

export function streamTokenRoute(store: RunStore, tokens: StreamTokens): Hono {
  const app = new Hono();
  app.post("/runs/:id/stream-token", async (c) => {
    const runId = c.req.param("id");
    if (!(await store.getRun(runId)))
      throw new HttpError(404, "NOT_FOUND", `no run with id ${runId}`);
    const body: StreamTokenResponse = { runId, ...(await tokens.issue(runId)) };
    c.header("Cache-Control", "no-store");
    return c.json(body);
  });
  return app;
}
