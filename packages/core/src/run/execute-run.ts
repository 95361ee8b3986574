// One run, phase by phase: announce → acquire a sandbox → open extensions and stage the runner →
// exec and relay → release (always) → settle. startRun is the entry; this is its body.
import { ERROR_CODES, type ErrorEvent, type SandcasterEvent } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { SandcasterError } from "../errors/sandcaster-error.js";
import type { Sandbox, SandboxProvider } from "../sandbox/sandbox.js";
import { sandboxLimits, sandboxNetwork } from "../sandbox/sandbox-limits.js";
import type { RunSession } from "../session/run-session.js";
import type { RunOutcome } from "../store/run-store.js";
import type { RunTracer } from "../tracing/run-tracer.js";
import { acquireSandbox } from "./acquire-sandbox.js";
import { announceRun } from "./announce-run.js";
import { execRunner } from "./exec-runner.js";
import { lazyChild } from "./lazy-log.js";
import { secretValues } from "./model-env.js";
import { closeExtensions, openExtensions } from "./open-extensions.js";
import type { RunPlan } from "./plan-run.js";
import { createRedactor, type Redact } from "./redact.js";
import { cancellation, RunError } from "./run-error.js";
import { RunEventLog } from "./run-event-log.js";
import type { RunExec } from "./run-exec.js";
import type { OpenedRunExtension, RunExtension } from "./run-extension.js";
import type { RunScope } from "./run-scope.js";
import type { ResolvedRunServices } from "./run-services.js";
import { runSignal } from "./run-signal.js";
import { type PhasesEnd, settleRun } from "./settle-run.js";
import { stageRunner } from "./stage-runner.js";

export interface RunInput {
  runId: string;
  plan: RunPlan;
  provider: SandboxProvider;
  services: ResolvedRunServices;
  extensions: readonly RunExtension[];
  session: RunSession | undefined;
  /** The run's trace (NOOP_RUN_TRACER when traces are off). */
  tracer: RunTracer;
  /** The caller's stop: its reason (a SandcasterError, or text meaning CANCELLED) ends the run. */
  stop: AbortController;
  /** Told the run's events and its end (an object, held for as long as the run is open). */
  listener: RunListener;
  onSandboxReady?: ((seconds: number) => void) | undefined;
  /** Replaces staging and executing the runner (see run-exec.ts). */
  exec?: RunExec | undefined;
}

export interface RunListener {
  /** Every event of the run with its seq (the SSE id, the same on replay). */
  event(event: SandcasterEvent, seq: number): void;
  /**
   * Told once the run's last event is delivered (or known never to come) and its record written:
   * its reader can stop waiting, while the sandbox may still be being removed (until `done`).
   */
  ended(): void;
}

/** What the run holds while it runs; released whatever happens. */
interface Held {
  sandbox: Sandbox | undefined;
  opened: OpenedRunExtension[];
  runnerError: ErrorEvent | undefined;
  redact: Redact;
}

function errorFrom(caught: unknown, signal: AbortSignal): SandcasterError {
  if (signal.aborted) return cancellation(signal.reason);
  if (SandcasterError.isInstance(caught)) return caught; // SandboxError, RunError, extensions' own
  return new RunError(ERROR_CODES.INTERNAL, "the server failed while running the agent");
}

/** How phases that threw end the run (logged as a failure only when it is the server's own). */
function phasesFailed(caught: unknown, signal: AbortSignal, log: Logger): PhasesEnd {
  const error = errorFrom(caught, signal);
  if (error.code === ERROR_CODES.INTERNAL) log.error({ err: caught }, "run failed");
  else log.info({ code: error.code }, error.message);
  return { ok: false, error, aborted: signal.aborted };
}

async function runPhases(scope: RunScope, held: Held) {
  const exec = scope.exec;
  if (exec?.kind === "branching") return exec.runOnHost(scope);
  const sandbox = await acquireSandbox(scope);
  held.sandbox = sandbox;
  if (exec) {
    await openExtensions(scope, sandbox, held.opened);
    return exec.run(scope, sandbox, held.opened);
  }
  const staged = await scope.tracer.phase("sandbox.stage", async () => {
    await openExtensions(scope, sandbox, held.opened);
    return stageRunner(scope, sandbox, held.opened);
  });
  held.redact = staged.redact;
  return execRunner(scope, sandbox, staged, (error) => {
    held.runnerError = error;
  });
}

export async function executeRun(input: RunInput): Promise<RunOutcome> {
  const { runId, plan, services, tracer } = input;
  // Every log line of the run carries its trace id, to go from a log to the trace and back.
  // Made on the first line logged: an open run that logs nothing holds no pino child.
  const log = lazyChild(
    services.logger,
    tracer.traceId ? { runId, traceId: tracer.traceId } : { runId },
  );
  const events = new RunEventLog(
    runId,
    services.eventWriter,
    services.config.events.maxPerRun,
    log,
  );
  const signal = runSignal({
    runId,
    external: input.stop,
    timeoutSecs: plan.timeoutSecs,
    cancelWatch: services.cancelWatch,
    log,
  });
  let firstError: ErrorEvent | undefined;
  const held: Held = {
    sandbox: undefined,
    opened: [],
    runnerError: undefined,
    redact: createRedactor(secretValues(plan.env)),
  };
  const base = sandboxLimits(services.config.docker);
  // Written out, not spread: V8 gave each spread copy a map of its own (~0.3 KB an open run each).
  const scope: RunScope = {
    runId,
    plan,
    provider: input.provider,
    services,
    extensions: input.extensions,
    session: input.session,
    onSandboxReady: input.onSandboxReady,
    exec: input.exec,
    tracer,
    log,
    startedAt: new Date(),
    limits: {
      memoryMb: base.memoryMb,
      cpus: base.cpus,
      pids: base.pids,
      network: sandboxNetwork(services.config, input.provider.name),
      timeoutMs: plan.timeoutSecs * 1000,
    },
    signal: signal.signal,
    fail: signal.fail,
    redact: (text, options) => held.redact(text, options),
    emit(event) {
      if (event.type === "error") firstError ??= event;
      tracer.event(event);
      input.listener.event(event, events.record(event));
    },
    async emitStored(event) {
      if (event.type === "error") firstError ??= event;
      tracer.event(event);
      const seq = events.record(event);
      await events.flush();
      input.listener.event(event, seq);
    },
    numberEnd(event) {
      if (event.type === "error") firstError ??= event;
      // The trace hears the end as it is decided (the run's span is closed after settling).
      tracer.event(event);
      return { seq: events.numberEnd(), event };
    },
    deliver({ event, seq }) {
      input.listener.event(event, seq);
    },
  };

  await announceRun(scope);
  const finish = async (phases: PhasesEnd): Promise<RunOutcome> => {
    signal.dispose();
    // Metered figures are read while the extensions are still open, then everything is released.
    const metered =
      held.opened.map((handle) => handle.usage?.()).find((usage) => usage) ??
      (scope.exec?.kind === "branching" ? scope.exec.usage?.() : undefined);
    const teardown = () =>
      tracer.phase("sandbox.teardown", async () => {
        await held.sandbox
          ?.destroy()
          .catch((error: unknown) => log.error({ err: error }, "could not destroy the sandbox"));
        await closeExtensions(held.opened, log);
      });
    // A session turn frees its workspace before its client hears the end (the next turn mounts
    // it). Any other run's client hears its end first: removing a container is not on its
    // critical path.
    const endFirst = input.session === undefined;
    if (!endFirst) await teardown();
    const outcome = await settleRun(
      scope,
      { phases, firstError, runnerError: held.runnerError, metered, redact: held.redact },
      () => events.flush(),
    );
    input.listener.ended();
    if (endFirst) await teardown();
    tracer.end(outcome);
    return outcome;
  };
  // Chained, not awaited, and one `then` (not one to name the end and one to settle it): the phases
  // last as long as the run, and a frame suspended on them (its generator, registers and await
  // closures), or each promise of a chain, would be held all that time (10,000 open runs).
  return runPhases(scope, held).then(
    (end) => finish({ ok: true, end }),
    (caught: unknown) => finish(phasesFailed(caught, signal.signal, log)),
  );
}
