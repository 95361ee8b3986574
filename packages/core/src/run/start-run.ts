// The one entry for a run, used by the HTTP route and the in-process CLI alike: plans the request,
// picks the sandbox provider, claims a session turn, and starts the run, returning its handle.
// Refusals (PlanError, SessionError, the caller's `admit`) are thrown before anything started.
import { randomUUID } from "node:crypto";
import type { Context } from "@opentelemetry/api";
import { isSubAgentEvent, type QueryRequest } from "@sandcaster/protocol";
import type { SandcasterError } from "../errors/sandcaster-error.js";
import type { SharedSpend } from "../gateway/shared-spend.js";
import { planAgentAddons } from "../subagents/agent-addons.js";
import { traceRun } from "../tracing/trace-run.js";
import { checkRunWebhook } from "../webhooks/webhook-service.js";
import { beginTurn } from "./begin-turn.js";
import { executeRun } from "./execute-run.js";
import { planRun } from "./plan-run.js";
import { cancellation, RunError } from "./run-error.js";
import { RunEventChannel } from "./run-event-channel.js";
import type { RunExec } from "./run-exec.js";
import type { RunExtension } from "./run-extension.js";
import type { RunHandle } from "./run-handle.js";
import { resolveRunServices, type StartRunServices } from "./run-services.js";

export interface StartRunOptions {
  /** The caller's trace context (the HTTP request span): the run's trace joins it. */
  traceContext?: Context | undefined;
  /**
   * Called once the request is planned, before a session turn is claimed: may refuse the run
   * (throw) or wait for room (a server's concurrency slots). What it returns runs at teardown.
   */
  admit?: (() => Promise<() => void>) | undefined;
  /** This run's extensions, after the services' ones (see run-extension.ts). */
  extensions?: readonly RunExtension[] | undefined;
  /** Told how long the sandbox took to be ready (metrics). */
  onSandboxReady?: ((seconds: number) => void) | undefined;
  /** Bytes of events the reader may fall behind by before the run is stopped (CLIENT_TOO_SLOW). */
  maxBufferedBytes?: number | undefined;
  /** The run's work once its sandbox exists, instead of the agent runner (a pipeline's steps). */
  exec?: RunExec | undefined;
  /** A budget over several runs (a branching run's branches): its gateway counts and checks it too. */
  sharedSpend?: SharedSpend | undefined;
}

export async function startRun(
  request: QueryRequest,
  services: StartRunServices,
  options: StartRunOptions = {},
): Promise<RunHandle> {
  const planned = planRun(request, services.config, services.env);
  checkRunWebhook(request, services.webhooks);
  // Skills and sub-agents are the agent runner's; a pipeline's steps (exec) have neither. A
  // sub-agent of another provider widens the plan (that provider's key, on the host's gateway).
  const agentAddons = options.exec
    ? { extensions: [], plan: planned }
    : await planAgentAddons(request, services.config, planned, services.env);
  const addons = agentAddons.extensions;
  const plan = options.sharedSpend
    ? { ...agentAddons.plan, sharedSpend: options.sharedSpend }
    : agentAddons.plan;
  let provider = await services.providers.select(request.sandboxProvider, {
    e2bApiKey: request.apiKeys?.e2b,
  });
  const release = (await options.admit?.()) ?? (() => undefined);
  const runId = services.newRunId?.() ?? `run_${randomUUID()}`;
  const turn = await beginTurn(services.sessions, request, runId).catch((error: unknown) => {
    release();
    throw error;
  });
  if (turn) provider = turn.provider;

  const stop = new AbortController();
  const cancel = (reason?: string | SandcasterError) => stop.abort(cancellation(reason));
  const events = new RunEventChannel(
    () =>
      cancel(
        new RunError(
          "CLIENT_TOO_SLOW",
          "the client read the stream too slowly; the run was cancelled",
        ),
      ),
    options.maxBufferedBytes,
  );
  const done = executeRun({
    runId,
    plan,
    provider,
    services: resolveRunServices(services),
    extensions: [...(services.extensions ?? []), ...(options.extensions ?? []), ...addons],
    session: turn?.runSession,
    tracer: traceRun(services, request, plan, { runId, provider, parent: options.traceContext }),
    stop,
    onEvent(event, seq) {
      // A sub-agent's conversation is its own: a session's next turn carries only the run's.
      if (!isSubAgentEvent(event)) turn?.record(event);
      events.push({ event, seq, json: JSON.stringify(event) });
    },
    onSandboxReady: options.onSandboxReady,
    exec: options.exec,
  }).finally(async () => {
    // Normally done before the last event; this covers a run that threw.
    await turn?.finish([]);
    release();
    events.close();
  });
  services.activeRuns?.track(runId, stop, done);
  return {
    runId,
    model: plan.model.ok ? { provider: plan.model.provider, model: plan.model.model } : undefined,
    sandboxProvider: provider.name,
    events,
    done,
    cancel,
  };
}
