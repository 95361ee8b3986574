// POST /pipelines: a markdown document (text/markdown, or JSON {markdown, files?, session?, …})
// whose bash blocks run as steps in one sandbox; streamed as SSE like /query, recorded in /runs.
import { type RunSlots, type StartRunServices, startPipeline } from "@sandcaster/core";
import {
  MAX_PIPELINE_CHARS,
  type PipelineRequest,
  PipelineRequestSchema,
} from "@sandcaster/protocol";
import { type Context, Hono } from "hono";
import { HttpError } from "../http-error.js";
import type { Metrics } from "../metrics/index.js";
import { readJsonBody } from "./read-query-request.js";
import { admitRun, refuseWhileDraining } from "./run-admission.js";
import { observeRun } from "./run-metrics.js";
import { streamRunEvents, writeEvents } from "./sse-stream.js";

export interface PipelinesRouteDeps {
  runs: StartRunServices;
  slots: RunSlots;
  metrics: Metrics;
  heartbeatMs: number;
  isDraining: () => boolean;
}

async function readPipelineRequest(c: Context): Promise<PipelineRequest> {
  const type = c.req.header("content-type") ?? "";
  if (!/^text\/(markdown|plain)\b/i.test(type)) return readJsonBody(c, PipelineRequestSchema);
  const markdown = await c.req.text();
  if (markdown.trim() === "" || markdown.length > MAX_PIPELINE_CHARS) {
    throw new HttpError(
      400,
      "INVALID_REQUEST",
      `markdown: send a document of 1..${MAX_PIPELINE_CHARS} characters`,
      {
        details: [{ field: "markdown", message: "empty or too long" }],
      },
    );
  }
  return { markdown };
}

export function pipelinesRoute(deps: PipelinesRouteDeps): Hono {
  const app = new Hono();
  app.post("/pipelines", async (c) => {
    refuseWhileDraining(deps.isDraining);
    const request = await readPipelineRequest(c);
    const run = await startPipeline(request, deps.runs, {
      admit: () => admitRun(deps.slots, deps.metrics, deps.isDraining, c.req.raw.signal),
      onSandboxReady: (seconds) =>
        deps.metrics.sandboxAcquired({ sandbox: run.sandboxProvider, seconds }),
    });
    observeRun(deps.metrics, run);
    const { heartbeatMs, metrics } = deps;
    return streamRunEvents(c, { runId: run.runId, heartbeatMs, metrics }, async (stream) => {
      stream.onAbort(() => {
        if (request.onDisconnect !== "continue") run.cancel("the client disconnected");
      });
      // The events end with the pipeline's end, before its last sandbox is removed.
      for await (const batch of run.events.batches()) {
        if (!(await writeEvents(stream, batch))) break;
      }
    });
  });
  return app;
}
