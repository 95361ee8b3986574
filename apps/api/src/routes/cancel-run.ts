// POST /runs/:id/cancel: stops a run wherever it runs (through the store), idempotently.
import { type ActiveRuns, RunError, type RunStore } from "@sandcaster/core";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import type { CancelResponse } from "../schemas/runs.js";

export function cancelRunRoute(store: RunStore, activeRuns: ActiveRuns): Hono {
  const app = new Hono();
  app.post("/runs/:id/cancel", async (c) => {
    const runId = c.req.param("id");
    const run = await store.getRun(runId);
    if (!run) throw new HttpError(404, "NOT_FOUND", `no run with id ${runId}`);
    if (run.status !== "running")
      return c.json({ id: runId, status: run.status } satisfies CancelResponse);
    // This instance stops its own run at once; any other instance learns it from the store.
    activeRuns.abort(
      runId,
      new RunError("CANCELLED", "the run was cancelled (POST /runs/:id/cancel)"),
    );
    if (await store.requestCancel(runId)) await store.notifyRun(runId);
    return c.json({ id: runId, status: "cancelling" } satisfies CancelResponse, 202);
  });
  return app;
}
