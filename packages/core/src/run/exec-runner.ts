// Phases 4–5: spawn the runner, relay its events (and a composite run's host requests) until it
// ends, then read the files it wrote. Reports what the runner said; settle-run decides the end.
import { ERROR_CODES, type ErrorEvent, type ResultEvent } from "@sandcaster/protocol";
import { SANDBOX_LIMIT_EXCEEDED, sandboxLimitWarnings } from "../sandbox/limit-warnings.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { RunBranching } from "../store/run-store.js";
import { artifactEvents } from "./artifacts.js";
import { startComposite } from "./composite/start-composite.js";
import { startPrebootedRunner } from "./preboot-runner.js";
import type { Redact } from "./redact.js";
import { type RelayOutcome, relayProcess } from "./relay-process.js";
import { RunError } from "./run-error.js";
import type { RunScope } from "./run-scope.js";
import type { StagedRunner } from "./stage-runner.js";

export interface RunnerEnd {
  /** The runner's accepted result (absent when it reported an error). */
  result: ResultEvent | undefined;
  filesCount: number;
  /**
   * The work ended with its `result` but failed (a pipeline step): the record says `error` with
   * this code and message, so /runs agrees with the exit code the result carries.
   */
  failure?: { code: string; message: string } | undefined;
  /** A branching run's summary, for its record. */
  branching?: RunBranching | undefined;
}

export function execRunner(
  scope: RunScope,
  sandbox: Sandbox,
  staged: StagedRunner,
  /** Told the runner's own error as soon as the relay ends (held back to be the last event). */
  heldError: (error: ErrorEvent) => void,
): Promise<RunnerEnd> {
  // Chained, not awaited: the relay lasts the run's whole life, and a frame suspended on it (its
  // generator and registers) would be held all that time (10,000 open runs).
  const relayed = scope.tracer.phase("runner.exec", () => runAndRelay(scope, sandbox, staged));
  return afterRelayOf(relayed, scope, sandbox, staged.redact, heldError);
}

/**
 * The reaction waiting for the relay, made apart from execRunner so that what it keeps for the
 * run's whole life is only what it needs: the staged runner's env and config (with the run's
 * prompt and gateway settings) are not kept past the spawn.
 */
function afterRelayOf(
  relayed: Promise<RelayOutcome>,
  scope: RunScope,
  sandbox: Sandbox,
  redact: Redact,
  heldError: (error: ErrorEvent) => void,
): Promise<RunnerEnd> {
  return relayed.then((relay) => afterRelay(scope, sandbox, redact, relay, heldError));
}

/** Once the runner has ended: limit warnings, its error or crash, then the files it wrote. */
async function afterRelay(
  scope: RunScope,
  sandbox: Sandbox,
  redact: Redact,
  relay: RelayOutcome,
  heldError: (error: ErrorEvent) => void,
): Promise<RunnerEnd> {
  const { signal } = scope;
  if (signal.aborted) throw signal.reason;
  // Before the result or the crash: the limit is usually why the runner or a tool died.
  for (const content of await sandboxLimitWarnings(sandbox))
    scope.emit({ type: "warning", code: SANDBOX_LIMIT_EXCEEDED, content });
  if (relay.error) heldError(relay.error);
  if (!relay.result && !relay.sawError) {
    const exit = relay.exit.signal
      ? `signal ${relay.exit.signal}`
      : `exit code ${relay.exit.exitCode}`;
    const tail = relay.stderrTail ? `; last stderr lines:\n${relay.stderrTail}` : "";
    throw new RunError(
      ERROR_CODES.RUNNER_CRASHED,
      `the runner ended without a result (${exit})${tail}`,
    );
  }
  return scope.tracer.phase("artifacts.collect", async (set) => {
    const changed = await sandbox.readChangedFiles(scope.services.config.artifacts, signal);
    for (const event of artifactEvents(changed, redact)) scope.emit(event);
    set({ "sandcaster.artifacts.count": changed.files.length });
    return { result: relay.result, filesCount: changed.files.length };
  });
}

/** Spawns the runner and relays its lines (and a composite run's host requests) until it ends. */
async function runAndRelay(scope: RunScope, sandbox: Sandbox, staged: StagedRunner) {
  const { plan, signal, log } = scope;
  const composite = plan.composite;
  const process = staged.prebooted
    ? await startPrebooted(staged, signal, composite !== undefined)
    : await sandbox.spawn({
        command: staged.command,
        env: staged.env,
        ...(composite ? { stdin: true } : {}),
        signal,
      });
  const compositeRun = composite
    ? startComposite({
        runId: scope.runId,
        plan: composite,
        primary: sandbox,
        runner: process,
        providers: scope.services.providers,
        e2bApiKey: plan.request.apiKeys?.e2b,
        limits: scope.limits,
        emit: scope.emit,
        redact: staged.redact,
        signal,
        deadline: scope.startedAt.getTime() + plan.timeoutSecs * 1000,
        log,
      })
    : undefined;
  const relayed = relayProcess(process, scope.emit, staged.redact, signal, {
    onHostLine: compositeRun?.onHostLine,
  });
  // Secondary sandboxes end before artifacts are read. Only a composite run chains this: a
  // `finally` is two more promises and closures held for the run's whole life.
  return compositeRun ? relayed.finally(() => compositeRun.close()) : relayed;
}

/** The pooled sandbox's idle runner, now this run's: killed on the run's abort, then configured. */
async function startPrebooted(staged: StagedRunner, signal: AbortSignal, composite: boolean) {
  const { process, config } = staged.prebooted ?? {};
  if (!process || !config) throw new Error("no pre-booted runner");
  const kill = () => void process.kill();
  signal.addEventListener("abort", kill, { once: true });
  void process.wait().finally(() => signal.removeEventListener("abort", kill));
  signal.throwIfAborted();
  await startPrebootedRunner(process, { config, env: staged.env }, composite);
  return process;
}
