// One run: acquire a sandbox → stage → exec the runner → relay events → collect artifacts → release, always.
import {
  ERROR_CODES,
  type ErrorEvent,
  type HistoryTurn,
  promptPreview,
  type ResultEvent,
  type SandcasterConfig,
  type SandcasterEvent,
  type SessionWorkspace,
} from "@sandcaster/protocol";
import type { Logger } from "pino";
import { SANDBOX_LIMIT_EXCEEDED, sandboxLimitWarnings } from "../sandbox/limit-warnings.js";
import type { Sandbox, SandboxLimits, SandboxProvider } from "../sandbox/sandbox.js";
import { SandboxError } from "../sandbox/sandbox-error.js";
import { sandboxLimits } from "../sandbox/sandbox-limits.js";
import type { ProviderSelector } from "../sandbox/select-provider.js";
import type { RunOutcome, RunStore } from "../store/run-store.js";
import { artifactEvents } from "./artifacts.js";
import { sharedCancelWatch } from "./cancel-watch.js";
import {
  allowedProviders,
  type CompositeWiring,
  startComposite,
} from "./composite/start-composite.js";
import { sharedEventWriter } from "./event-writer.js";
import { secretValues } from "./model-env.js";
import type { RunPlan } from "./plan-run.js";
import { createRedactor } from "./redact.js";
import { relayProcess } from "./relay-process.js";
import { cancellation, RunError } from "./run-error.js";
import { RunEventLog } from "./run-event-log.js";
import { loadRunnerBundle } from "./runner-bundle.js";
import { runnerPaths, stagedFiles } from "./stage-files.js";

export interface RunServices {
  store: RunStore;
  config: SandcasterConfig;
  logger: Logger;
}

export interface RunContext {
  runId: string;
  plan: RunPlan;
  provider: SandboxProvider;
  /** Every event of the run, with its seq (the SSE id, the same on replay). */
  emit: (event: SandcasterEvent, seq: number) => void;
  /** Told how long the sandbox took to be ready (metrics). */
  onSandboxReady?: (seconds: number) => void;
  /** Aborted when the client leaves or the server shuts down; the reason says which. */
  signal: AbortSignal;
  /** Where composite runs get their secondary sandboxes. */
  providers?: ProviderSelector | undefined;
  /** A session turn: its workspace, the conversation so far, and warnings for the stream. */
  session?: RunSession | undefined;
}

export interface RunSession {
  id: string;
  workspace: SessionWorkspace;
  history: HistoryTurn[];
  warnings: { code: string; content: string }[];
  /** Runs once the sandbox is gone, before the final event: records the turn, frees the session. */
  beforeEnd?: (() => Promise<void>) | undefined;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

function errorFrom(caught: unknown, signal: AbortSignal): RunError {
  if (signal.aborted) return cancellation(signal.reason);
  if (RunError.isInstance(caught)) return caught;
  if (SandboxError.isInstance(caught))
    return new RunError(caught.code, caught.message, caught.hint);
  return new RunError(ERROR_CODES.INTERNAL, "the server failed while running the agent");
}

export async function executeRun(ctx: RunContext, services: RunServices): Promise<RunOutcome> {
  const { runId, plan, provider } = ctx;
  const log = services.logger.child({ runId });
  const startedAt = new Date();
  const redact = createRedactor(secretValues(plan.env));
  const controller = new AbortController();
  const onAbort = () => controller.abort(cancellation(ctx.signal.reason));
  if (ctx.signal.aborted) onAbort();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    const message = `the run exceeded its timeout of ${plan.timeoutSecs}s`;
    controller.abort(
      new RunError(ERROR_CODES.TIMEOUT, message, "raise the request's timeout (at most 3600)"),
    );
  }, plan.timeoutSecs * 1000);

  let sandbox: Sandbox | undefined;
  let compositeRun: CompositeWiring | undefined;
  let result: ResultEvent | undefined;
  let failure: ErrorEvent | undefined;
  /** The runner's own error: emitted after the artifacts, so that it is the last event. */
  let runnerError: ErrorEvent | undefined;
  let filesCount = 0;
  const events = new RunEventLog(
    runId,
    sharedEventWriter(services.store, services.logger),
    services.config.events.maxPerRun,
    log,
  );
  const emit = (event: SandcasterEvent) => {
    if (event.type === "error") failure ??= event;
    ctx.emit(event, events.record(event));
  };
  const model = plan.model.ok ? plan.model : undefined;

  emit({
    type: "system",
    subtype: "init",
    content: "run started",
    runId,
    ...(model ? { model: model.model, provider: model.provider } : {}),
    sandboxProvider: provider.name,
  });
  for (const warning of ctx.session?.warnings ?? []) emit({ type: "warning", ...warning });
  await services.store
    .createRun({
      id: runId,
      prompt: promptPreview(plan.request.prompt),
      model: model?.model,
      provider: model?.provider,
      sandboxProvider: provider.name,
      startedAt,
      metadata: plan.request.metadata,
      sessionId: ctx.session?.id,
    })
    .catch((error: unknown) => log.error({ err: error }, "could not record the run start"));

  const stopWatching = sharedCancelWatch(services.store, services.logger).watch(
    runId,
    controller,
    log,
  );
  try {
    if (!plan.model.ok) {
      throw new RunError(
        ERROR_CODES.NO_MODEL_CREDENTIALS,
        plan.model.reason,
        "set ANTHROPIC_API_KEY, OPENAI_API_KEY, GOOGLE_API_KEY or OPENROUTER_API_KEY on the server, or pass apiKeys",
      );
    }
    const signal = controller.signal;
    const acquireStart = performance.now();
    const limits: SandboxLimits = {
      ...sandboxLimits(services.config.docker),
      timeoutMs: plan.timeoutSecs * 1000,
    };
    sandbox = await provider.create({
      runId,
      env: {},
      limits,
      signal,
      ...(ctx.session ? { workspace: ctx.session.workspace } : {}),
    });
    const acquireSecs = seconds(performance.now() - acquireStart);
    log.info({ sandboxId: sandbox.id, acquireSecs }, "sandbox ready");
    ctx.onSandboxReady?.(acquireSecs);
    emit({
      type: "system",
      subtype: "sandbox_ready",
      content: `${provider.name} sandbox ready in ${acquireSecs}s`,
    });
    for (const notice of sandbox.notices)
      emit({ type: "warning", code: "SANDBOX_NOTICE", content: notice });

    const remainingSecs = Math.max(
      1,
      Math.ceil(plan.timeoutSecs - (Date.now() - startedAt.getTime()) / 1000),
    );
    const composite = plan.composite;
    const runnerConfig = {
      ...plan.runner,
      cwd: sandbox.workspacePath,
      timeoutSecs: remainingSecs,
      ...(ctx.session && ctx.session.history.length > 0 ? { history: ctx.session.history } : {}),
      ...(composite
        ? {
            composite: {
              maxSandboxes: composite.maxSandboxes,
              maxTotalSpawns: composite.maxTotalSpawns,
              allowedProviders: allowedProviders(composite, provider.name),
            },
          }
        : {}),
    };
    const bundle = await loadRunnerBundle();
    await sandbox.writeFiles(
      stagedFiles(sandbox, bundle, runnerConfig, plan.request.files ?? []),
      signal,
    );
    const paths = runnerPaths(sandbox);
    const process = await sandbox.spawn({
      command: [sandbox.nodePath, paths.runner, "--config", paths.config],
      env: plan.env,
      ...(composite ? { stdin: true } : {}),
      signal,
    });
    compositeRun = composite
      ? startComposite({
          runId,
          plan: composite,
          primary: sandbox,
          runner: process,
          providers: ctx.providers,
          e2bApiKey: plan.request.apiKeys?.e2b,
          limits,
          emit,
          redact,
          signal,
          deadline: startedAt.getTime() + plan.timeoutSecs * 1000,
          log,
        })
      : undefined;
    const relay = await relayProcess(process, emit, redact, signal, {
      onHostLine: compositeRun?.onHostLine,
    });
    // Secondary sandboxes end with the runner, before its artifacts are read.
    await compositeRun?.close();
    if (signal.aborted) throw signal.reason;
    // Before the result or the crash: the limit is usually why the runner or a tool died.
    for (const content of await sandboxLimitWarnings(sandbox))
      emit({ type: "warning", code: SANDBOX_LIMIT_EXCEEDED, content });
    result = relay.result;
    runnerError = relay.error;
    if (!result && !relay.sawError) {
      const exit = relay.exit.signal
        ? `signal ${relay.exit.signal}`
        : `exit code ${relay.exit.exitCode}`;
      const tail = relay.stderrTail ? `; last stderr lines:\n${relay.stderrTail}` : "";
      throw new RunError(
        ERROR_CODES.RUNNER_CRASHED,
        `the runner ended without a result (${exit})${tail}`,
      );
    }
    const changed = await sandbox.readChangedFiles(services.config.artifacts, signal);
    filesCount = changed.files.length;
    for (const event of artifactEvents(changed, redact)) emit(event);
    if (runnerError) emit(runnerError);
  } catch (caught) {
    const error = errorFrom(caught, controller.signal);
    if (error.code === ERROR_CODES.INTERNAL) log.error({ err: caught }, "run failed");
    else log.info({ code: error.code }, error.message);
    result = undefined;
    if (runnerError && !failure && !controller.signal.aborted) {
      emit(runnerError);
    } else if (!failure || controller.signal.aborted) {
      emit({
        type: "error",
        code: error.code,
        content: redact(error.message),
        ...(error.hint ? { hint: error.hint } : {}),
      });
    }
  } finally {
    clearTimeout(timer);
    stopWatching();
    ctx.signal.removeEventListener("abort", onAbort);
    await Promise.all([compositeRun?.close(), sandbox?.destroy()]);
  }

  // A session turn is recorded and released before the client hears the result (and before the
  // run counts as finished), so the next turn never finds the session still held.
  await ctx.session
    ?.beforeEnd?.()
    .catch((error: unknown) => log.error({ err: error }, "could not end the session turn"));
  const durationSecs = seconds(Date.now() - startedAt.getTime());
  if (result) emit({ ...result, durationSecs });
  const final = result ? undefined : failure;
  const outcome: RunOutcome = {
    status: result ? "completed" : final?.code === ERROR_CODES.CANCELLED ? "cancelled" : "error",
    endedAt: new Date(),
    durationSecs,
    filesCount,
    ...(result
      ? {
          numTurns: result.numTurns,
          costUsd: result.costUsd,
          usage: result.usage,
          model: result.model,
        }
      : {
          error: {
            code: final?.code ?? ERROR_CODES.INTERNAL,
            message: final?.content ?? "run failed",
          },
        }),
  };
  await events.flush();
  await services.store
    .finishRun(runId, outcome)
    .catch((error: unknown) => log.error({ err: error }, "could not record the run outcome"));
  await services.store.notifyRun(runId).catch(() => undefined);
  log.info({ status: outcome.status, durationSecs, costUsd: outcome.costUsd }, "run finished");
  return outcome;
}
