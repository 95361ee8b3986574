// The run's tracer, as startRun asks for it: the no-op one when traces are off.
import type { Context } from "@opentelemetry/api";
import type { QueryRequest } from "@sandcaster/protocol";
import type { RunPlan } from "../run/plan-run.js";
import type { StartRunServices } from "../run/run-services.js";
import { NOOP_RUN_TRACER, type RunTracer } from "./run-tracer.js";
import { recordContentWanted } from "./tracing-env.js";

export function traceRun(
  services: StartRunServices,
  request: QueryRequest,
  plan: RunPlan,
  run: { runId: string; provider: { name: string }; parent: Context | undefined },
): RunTracer {
  if (!services.tracing) return NOOP_RUN_TRACER;
  return services.tracing.startRun({
    parent: run.parent,
    runId: run.runId,
    model: plan.model.ok ? { provider: plan.model.provider, model: plan.model.model } : undefined,
    sandboxProvider: run.provider.name,
    sessionId: request.sessionId,
    prompt: request.prompt,
    recordContent: recordContentWanted(services.env, services.config.telemetry.recordContent),
  });
}
