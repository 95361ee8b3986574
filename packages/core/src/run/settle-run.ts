// Phase 6: the one place that decides how a run ends: which event comes last (`result` or
// `error`), what the run record says, and that the record is written after every event is stored.
import {
  ERROR_CODES,
  type ErrorEvent,
  type ResultEvent,
  type SandcasterEvent,
} from "@sandcaster/protocol";
import type { SandcasterError } from "../errors/sandcaster-error.js";
import { type Meter, meteredResult } from "../gateway/metered-result.js";
import type { RunOutcome } from "../store/run-store.js";
import type { RunnerEnd } from "./exec-runner.js";
import { recordEnd } from "./record-end.js";
import type { Redact } from "./redact.js";
import { RunError } from "./run-error.js";
import type { MeteredUsage } from "./run-extension.js";
import type { RunScope } from "./run-scope.js";

/** How the phases ended: the runner's end, or the error that stopped them. */
export type PhasesEnd =
  | { ok: true; end: RunnerEnd }
  | { ok: false; error: SandcasterError; aborted: boolean };

export interface Ending {
  phases: PhasesEnd;
  /** The first `error` event already sent (from the runner, the host, a composite sandbox). */
  firstError: ErrorEvent | undefined;
  /** The runner's own error, held back so that it is the stream's last event. */
  runnerError: ErrorEvent | undefined;
  metered: MeteredUsage | undefined;
  redact: Redact;
}

function meterOf(metered: MeteredUsage): Meter {
  return { usage: () => metered.usage, costUsd: () => metered.costUsd };
}

function errorEvent(error: SandcasterError, redact: Redact): ErrorEvent {
  return {
    type: "error",
    code: error.code,
    content: redact(error.message),
    ...(error.hint ? { hint: error.hint } : {}),
    // Typed, so clients need not read it out of the message (AGENT_FAILED).
    ...(RunError.isInstance(error) && error.exitCode !== undefined
      ? { exitCode: error.exitCode }
      : {}),
  };
}

/**
 * The stream's last event. A cancel (or an extension's `fail`) always ends with its own error; else
 * the runner's held error wins over the one that stopped the run, unless an error was already sent.
 */
export function lastEvent(ending: Ending): ResultEvent | ErrorEvent | undefined {
  const { phases, runnerError, firstError } = ending;
  if (phases.ok) return runnerError ?? phases.end.result;
  if (phases.aborted) return errorEvent(phases.error, ending.redact);
  if (firstError) return undefined;
  return runnerError ?? errorEvent(phases.error, ending.redact);
}

function outcomeOf(
  last: SandcasterEvent | undefined,
  ending: Ending,
  durationSecs: number,
): RunOutcome {
  const filesCount = ending.phases.ok ? ending.phases.end.filesCount : 0;
  const metered = ending.metered ?? {};
  if (last?.type === "result") {
    const failure = ending.phases.ok ? ending.phases.end.failure : undefined;
    return {
      status: failure ? "error" : "completed",
      ...(failure ? { error: failure } : {}),
      endedAt: new Date(),
      durationSecs,
      filesCount,
      numTurns: last.numTurns,
      costUsd: last.costUsd,
      usage: last.usage,
      model: last.model,
      ...(ending.phases.ok && ending.phases.end.branching
        ? { branching: ending.phases.end.branching }
        : {}),
    };
  }
  const error = last?.type === "error" ? last : ending.firstError;
  return {
    status: error?.code === ERROR_CODES.CANCELLED ? "cancelled" : "error",
    endedAt: new Date(),
    durationSecs,
    filesCount,
    ...metered,
    error: {
      code: error?.code ?? ERROR_CODES.INTERNAL,
      message: error?.content ?? "run failed",
      ...(typeof error?.exitCode === "number" ? { exitCode: error.exitCode } : {}),
    },
  };
}

/**
 * Stores the events, the record and the last event, then sends the end. A session turn's sandbox is
 * already gone; any other run's is removed after this (execute-run).
 */
export async function settleRun(
  scope: RunScope,
  ending: Ending,
  flushEvents: () => Promise<void>,
): Promise<RunOutcome> {
  const { log, runId, services } = scope;
  // A session turn is recorded and released before the client hears the end (and before the run
  // counts as finished), so the next turn never finds the session still held.
  await scope.session
    ?.beforeEnd?.()
    .catch((error: unknown) => log.error({ err: error }, "could not end the session turn"));
  const durationSecs = Math.round(Date.now() - scope.startedAt.getTime()) / 1000;
  let last = lastEvent(ending);
  if (last?.type === "result" && ending.metered) {
    // The runner's figures are only compared: a sandbox that claims another spend gets a warning.
    const { result, warning } = meteredResult(last, meterOf(ending.metered));
    // Sent like any event (stored with the rest before the end): never waits on the store here.
    if (warning) scope.emit({ ...warning, content: ending.redact(warning.content) });
    last = result;
  }
  if (last?.type === "result") last = { ...last, durationSecs };
  const end = last ? scope.numberEnd(last) : undefined;
  const outcome = outcomeOf(last, ending, durationSecs);
  await flushEvents();
  const stored = await recordEnd(services.store, runId, outcome, end, log);
  if (stored) scope.deliver(stored);
  await services.store.notifyRun(runId).catch(() => undefined);
  // Only the delivery's row is written here; the POST itself never holds up the run's end.
  await services.webhooks
    ?.runSettled({ runId, request: scope.plan.request, status: outcome.status })
    .catch((error: unknown) => log.error({ err: error }, "could not record the run's webhook"));
  log.info({ status: outcome.status, durationSecs, costUsd: outcome.costUsd }, "run finished");
  return outcome;
}
