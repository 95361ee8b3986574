// POST /agents/:name/invoke {prompt, files?, timeout?}: a run of the agent's active version (slots,
// metrics, /runs with kind "agent", cancel, replay), streamed as SSE, or answered as JSON with
// ?wait=true ({runId, output, exitCode, durationSecs, error?}).
import {
  type AgentService,
  invokeAgent,
  type RunSlots,
  type StartRunServices,
} from "@sandcaster/core";
import {
  type AgentInvokeResult,
  AgentNameSchema,
  InvokeAgentRequestSchema,
} from "@sandcaster/protocol";
import { Hono } from "hono";
import type { Metrics } from "../metrics/index.js";
import { parsedParam } from "./agents-params.js";
import { readJsonBody } from "./read-query-request.js";
import { admitRun, refuseWhileDraining } from "./run-admission.js";
import { observeRun } from "./run-metrics.js";
import { streamRunEvents, writeEvents } from "./sse-stream.js";

export interface AgentsInvokeDeps {
  /** The agent service; throws 404 when agents are off. */
  service: () => AgentService;
  runs: StartRunServices;
  slots: RunSlots;
  metrics: Metrics;
  heartbeatMs: number;
  isDraining: () => boolean;
}

export function agentsInvokeRoute(deps: AgentsInvokeDeps): Hono {
  const app = new Hono();
  app.post("/agents/:name/invoke", async (c) => {
    const agents = deps.service();
    refuseWhileDraining(deps.isDraining);
    const name = parsedParam(AgentNameSchema, c.req.param("name"), "name");
    const request = await readJsonBody(c, InvokeAgentRequestSchema);
    const target = await agents.target(name);
    const wait = c.req.query("wait") === "true";
    const run = await invokeAgent(target, request, deps.runs, {
      admit: () => admitRun(deps.slots, deps.metrics, deps.isDraining, c.req.raw.signal),
      onSandboxReady: (seconds) =>
        deps.metrics.sandboxAcquired({ sandbox: target.base.name, seconds }),
    });
    observeRun(deps.metrics, run);
    if (wait) {
      let error: AgentInvokeResult["error"];
      for await (const batch of run.events.batches()) {
        for (const { event } of batch) {
          if (event.type === "error")
            error ??= { code: event.code ?? "INTERNAL", message: event.content };
        }
      }
      // The events end with the run's end, before its sandbox is removed: the answer goes then.
      const outcome = run.outcome();
      const body: AgentInvokeResult = {
        runId: run.runId,
        output: outcome?.output ?? "",
        exitCode: outcome?.exitCode ?? null,
        durationSecs: outcome?.durationSecs ?? 0,
        ...(error ? { error } : {}),
      };
      return c.json(body);
    }
    const { heartbeatMs, metrics } = deps;
    return streamRunEvents(c, { runId: run.runId, heartbeatMs, metrics }, async (stream) => {
      stream.onAbort(() => run.cancel("the client disconnected"));
      // The events end with the run's end, before its sandbox is removed: the response finishes
      // then. The run keeps its slot and stays tracked (shutdown waits for it) until `done`.
      for await (const batch of run.events.batches()) {
        if (!(await writeEvents(stream, batch))) break;
      }
    });
  });
  return app;
}
