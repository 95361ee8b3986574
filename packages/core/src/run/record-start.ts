// A run's record, stored before anything of the run is shown or started: its client's headers
// (X-Run-Id), its first event and its sandbox all wait for it, so nobody ever holds the id of a run
// that GET /runs/:id (or a cancel from another instance) would answer 404 for.
import { ERROR_CODES, type ErrorEvent, type QueryRequest } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { SandcasterError } from "../errors/sandcaster-error.js";
import { isDurableRunStore } from "../store/durable-run-store.js";
import type { NewRun, RunAdmissionFacts, RunOutcome, RunStore } from "../store/run-store.js";
import { StoreUnavailableError } from "../store/store-unavailable-error.js";
import { secretValues } from "./model-env.js";
import type { RunPlan } from "./plan-run.js";
import { createRedactor, redactedRunFields } from "./redact.js";
import type { RunExec } from "./run-exec.js";

export interface RunStartFacts {
  runId: string;
  request: QueryRequest;
  plan: RunPlan;
  sandboxProvider: string;
  startedAt: Date;
  exec?: RunExec | undefined;
  /** Known once the run leaves the queue (a queued run's record is written without them). */
  sessionId?: string | undefined;
  traceId?: string | undefined;
}

export function newRunRecord(facts: RunStartFacts): NewRun {
  const model = facts.plan.model.ok ? facts.plan.model : undefined;
  // The record is served by /runs to anyone with the API key: a secret pasted into the prompt or
  // the metadata must not outlive the run there.
  const { prompt, metadata } = redactedRunFields(
    facts.request.prompt,
    facts.request.metadata,
    createRedactor(secretValues(facts.plan.env)),
  );
  const kind = facts.exec?.kind;
  return {
    id: facts.runId,
    prompt,
    model: model?.model,
    provider: model?.provider,
    sandboxProvider: facts.sandboxProvider,
    startedAt: facts.startedAt,
    metadata,
    sessionId: facts.sessionId ?? facts.request.sessionId,
    traceId: facts.traceId,
    ...(kind === "pipeline" || kind === "agent" ? { kind } : {}),
  };
}

/** An outcome for a run that ended before it started (nothing ran, nothing was metered). */
export function unstartedOutcome(startedAt: Date, error: SandcasterError): RunOutcome {
  const endedAt = new Date();
  return {
    status: error.code === ERROR_CODES.CANCELLED ? "cancelled" : "error",
    endedAt,
    durationSecs: (endedAt.getTime() - startedAt.getTime()) / 1000,
    error: { code: error.code, message: error.message },
    filesCount: 0,
  };
}

/**
 * Stores the record (the durable store waits a bounded time: its settleMs). When it cannot land,
 * rejects with StoreUnavailableError (503 with Retry-After) and withdraws the write, so that a
 * record landing later is not left `running` for a run that never started.
 */
export async function recordRunStart(store: RunStore, record: NewRun): Promise<void> {
  try {
    await store.createRun(record);
  } catch (caught) {
    const error = StoreUnavailableError.isInstance(caught)
      ? caught
      : new StoreUnavailableError(caught);
    if (isDurableRunStore(store)) {
      const end: ErrorEvent = { type: "error", code: error.code, content: error.message };
      store.withdrawRun(record.id, unstartedOutcome(record.startedAt, error), {
        seq: 1,
        event: end,
      });
    }
    throw error;
  }
}

/**
 * Ends a recorded run that was refused before it started (it left the queue: timed out, its client
 * went, its session was busy), with the error its client was shown as its one event.
 */
export async function endUnstartedRun(
  store: RunStore,
  runId: string,
  startedAt: Date,
  caught: unknown,
): Promise<void> {
  const error = SandcasterError.isInstance(caught)
    ? caught
    : new SandcasterError(
        ERROR_CODES.INTERNAL,
        caught instanceof Error ? caught.message : String(caught),
      );
  const code = error.code === ERROR_CODES.CLIENT_CLOSED ? ERROR_CODES.CANCELLED : error.code;
  const end: ErrorEvent = { type: "error", code, content: error.message };
  await store
    .finishRun(runId, unstartedOutcome(startedAt, new SandcasterError(code, error.message)), {
      seq: 1,
      event: end,
    })
    .catch(() => undefined);
}

/**
 * A run recorded while queued learns its trace, session and provider on leaving the queue. Best
 * effort: its record exists, and a store that cannot take these now only loses them (logged).
 */
export async function recordAdmission(
  services: { store: RunStore; logger: Pick<Logger, "warn"> },
  runId: string,
  facts: RunAdmissionFacts,
): Promise<void> {
  await services.store.recordAdmission(runId, facts).catch((error: unknown) => {
    services.logger.warn(
      { err: error, runId },
      "could not add the trace and session to the queued run's record",
    );
  });
}
