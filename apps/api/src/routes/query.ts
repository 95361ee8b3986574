// POST /query: plans and admits the run before answering (refusals are thrown: JSON from
// app.onError), then streams it as SSE.
import { type RunSlots, type StartRunServices, startRun } from "@sandcaster/core";
import { Hono } from "hono";
import type { Metrics } from "../metrics/index.js";
import { readQueryRequest } from "./read-query-request.js";
import { admitRun, refuseWhileDraining, refuseWhileStoreDown } from "./run-admission.js";
import { observeRun } from "./run-metrics.js";
import { streamRunEvents, writeEvents } from "./sse-stream.js";

export interface QueryRouteDeps {
  runs: StartRunServices;
  slots: RunSlots;
  metrics: Metrics;
  heartbeatMs: number;
  isDraining: () => boolean;
}

export function queryRoute(deps: QueryRouteDeps): Hono {
  const app = new Hono();
  app.post("/query", async (c) => {
    refuseWhileDraining(deps.isDraining);
    const request = await readQueryRequest(c);
    const run = await startRun(request, deps.runs, {
      admit: () => {
        refuseWhileStoreDown(deps.runs.store);
        return admitRun(deps.slots, deps.metrics, deps.isDraining, c.req.raw.signal);
      },
      onSandboxReady: (seconds) =>
        deps.metrics.sandboxAcquired({ sandbox: run.sandboxProvider, seconds }),
    });
    observeRun(deps.metrics, run);
    const { heartbeatMs, metrics } = deps;
    return streamRunEvents(c, { runId: run.runId, heartbeatMs, metrics }, async (stream) => {
      // "continue": the run goes on without this client; GET /runs/:id/events re-attaches.
      stream.onAbort(() => {
        if (request.onDisconnect !== "continue") run.cancel("the client disconnected");
      });
      try {
        for await (const batch of run.events.batches()) {
          if (!(await writeEvents(stream, batch))) break;
        }
      } finally {
        await run.done.catch(() => undefined);
      }
    });
  });
  return app;
}
