// The one entry for a run, used by the HTTP route and the in-process CLI alike: plans the request,
// picks the sandbox provider, claims a session turn, and starts the run, returning its handle.
// Refusals (PlanError, SessionError, the caller's `admit`) are thrown before anything started.
import { randomUUID } from "node:crypto";
import type { Context } from "@opentelemetry/api";
import { isSubAgentEvent, type QueryRequest, type SandcasterEvent } from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";
import type { SharedSpend } from "../gateway/shared-spend.js";
import type { SessionTurn } from "../session/session-service.js";
import type { RunOutcome } from "../store/run-store.js";
import { planAgentAddons } from "../subagents/agent-addons.js";
import { templateRunProvider } from "../templates/template-run.js";
import { traceRun } from "../tracing/trace-run.js";
import { checkRunWebhook } from "../webhooks/webhook-service.js";
import { beginTurn } from "./begin-turn.js";
import { executeRun, type RunListener } from "./execute-run.js";
import { planRun } from "./plan-run.js";
import {
  endUnstartedRun,
  newRunRecord,
  type RunStartFacts,
  recordAdmission,
  recordRunStart,
  unstartedOutcome,
} from "./record-start.js";
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
   * A caller that answers a queued run before its slot calls `run.record()` first (see QueuedRun).
   */
  admit?: ((run: QueuedRun) => Promise<() => void>) | undefined;
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

/** A run waiting for admission: `record()` stores its record now (a queued run's client gets its id). */
export interface QueuedRun {
  readonly runId: string;
  /** Rejects with StoreUnavailableError when the record cannot land in time. */
  record(): Promise<void>;
}

const noRelease = Promise.resolve(() => undefined);

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
  let provider = request.template
    ? templateRunProvider(services.templates, { ...request, template: request.template })
    : await services.providers.select(request.sandboxProvider, {
        e2bApiKey: request.apiKeys?.e2b,
      });
  const runId = services.newRunId?.() ?? `run_${randomUUID()}`;
  const startedAt = new Date();
  const stop = new AbortController();
  // Tracked (stamped alive, cancellable) from its record on, queued or not; untracked when over.
  let over: () => void = () => undefined;
  const tracked = new Promise<void>((resolve) => {
    over = resolve;
  });
  let recording: Promise<void> | undefined;
  const record = (known: Partial<RunStartFacts> = {}) => {
    recording ??= recordRunStart(
      services.store,
      newRunRecord({
        runId,
        request,
        plan,
        sandboxProvider: provider.name,
        startedAt,
        exec: options.exec,
        ...known,
      }),
    ).then(() => services.activeRuns?.track(runId, stop, tracked));
    return recording;
  };
  // A run recorded while queued and refused there (or by its session) ends with why.
  const refused = async (error: unknown) => {
    if (recording) {
      await recording.then(
        () => endUnstartedRun(services.store, runId, startedAt, error),
        () => undefined,
      );
    }
    over();
    return error;
  };
  const release = await (options.admit?.({ runId, record: () => record() }) ?? noRelease).catch(
    async (error: unknown) => {
      throw await refused(error);
    },
  );
  const turn = await beginTurn(services.sessions, request, runId).catch(async (error: unknown) => {
    release();
    throw await refused(error);
  });
  if (turn) provider = turn.provider;
  const tracer = traceRun(services, request, plan, {
    runId,
    provider,
    parent: options.traceContext,
  });
  // Nothing of the run is shown or started before its record is stored (see record-start.ts).
  const recordedWhileQueued = recording !== undefined;
  const admitted = {
    sandboxProvider: provider.name,
    sessionId: turn?.runSession.id,
    traceId: tracer.traceId,
  };
  try {
    await record(admitted);
    // Recorded while queued, before these were known: its trace, session and provider follow.
    if (recordedWhileQueued) await recordAdmission(services, runId, admitted);
  } catch (error) {
    await turn?.abandon().catch(() => undefined);
    release();
    over();
    if (SandcasterError.isInstance(error)) tracer.end(unstartedOutcome(startedAt, error));
    throw error;
  }

  const run = new StartedRun(
    runId,
    plan.model.ok ? { provider: plan.model.provider, model: plan.model.model } : undefined,
    provider.name,
    stop,
    turn,
    options.maxBufferedBytes,
  );
  run.start(
    executeRun({
      runId,
      plan,
      provider,
      services: resolveRunServices(services),
      extensions: [...(services.extensions ?? []), ...(options.extensions ?? []), ...addons],
      session: turn?.runSession,
      tracer,
      stop,
      listener: run,
      onSandboxReady: options.onSandboxReady,
      exec: options.exec,
    }),
    release,
    over,
  );
  return run;
}

/**
 * A started run: the handle its caller holds, and the listener executeRun tells its events and its
 * end. A class with its methods on the prototype, not closures over startRun's scope: an open run
 * holds it for as long as its stream is open (10,000 open streams), and a closure would keep the
 * whole scope of startRun (request, plan, services, options) alive with it.
 */
class StartedRun implements RunHandle, RunListener {
  readonly events: RunEventChannel;
  done!: Promise<RunOutcome>;

  constructor(
    readonly runId: string,
    readonly model: RunHandle["model"],
    readonly sandboxProvider: RunHandle["sandboxProvider"],
    private readonly stop: AbortController,
    private readonly turn: SessionTurn | undefined,
    maxBufferedBytes: number | undefined,
  ) {
    this.events = new RunEventChannel(this, maxBufferedBytes);
  }

  /** `done` is the run's work; then the turn, the slot and the tracking are given back. */
  start(work: Promise<RunOutcome>, release: () => void, over: () => void): void {
    const turn = this.turn;
    const events = this.events;
    this.done = work.finally(async () => {
      // Normally done before the last event; this covers a run that threw.
      await turn?.finish([]);
      release();
      events.close();
      over();
    });
  }

  cancel(reason?: string | SandcasterError): void {
    this.stop.abort(cancellation(reason));
  }

  /** The reader fell too far behind (see RunEventChannel). */
  overflowed(): void {
    this.cancel(
      new RunError(
        "CLIENT_TOO_SLOW",
        "the client read the stream too slowly; the run was cancelled",
      ),
    );
  }

  event(event: SandcasterEvent, seq: number): void {
    // A sub-agent's conversation is its own: a session's next turn carries only the run's.
    if (!isSubAgentEvent(event)) this.turn?.record(event);
    this.events.push({ event, seq, json: JSON.stringify(event) });
  }

  /** The reader's stream ends with the run's end; removing the sandbox goes on until `done`. */
  ended(): void {
    this.events.close();
  }
}
