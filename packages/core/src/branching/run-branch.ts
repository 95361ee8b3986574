// One branch: a full run through startRun (its own sandbox, gateway meter, record and teardown),
// whose events reach the parent's stream tagged with the branch. Its end events are held back:
// a client reading `result` or `error` as the end of the stream must only see the parent's.
import {
  ERROR_CODES,
  type FileEvent,
  type QueryRequest,
  type ResultEvent,
  type SandcasterEvent,
} from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";
import type { SharedSpend } from "../gateway/shared-spend.js";
import type { RunHandle } from "../run/run-handle.js";
import type { StartRunServices } from "../run/run-services.js";
import { startRun } from "../run/start-run.js";
import type { BranchOutcome, BranchSpec } from "./branch-outcome.js";

export interface BranchContext {
  services: StartRunServices;
  /** The parent's stop: aborting it cancels the branch (and awaits its sandbox's end). */
  signal: AbortSignal;
  emit(event: SandcasterEvent): void;
  /** The whole run's budget: every branch's gateway counts its calls there and checks the sum. */
  sharedSpend?: SharedSpend | undefined;
}

function failed(
  spec: BranchSpec,
  runId: string | undefined,
  code: string,
  content: string,
): BranchOutcome {
  return {
    spec,
    runId,
    status: "error",
    result: undefined,
    error: { code, content },
    files: [],
    costUsd: 0,
    usage: undefined,
    numTurns: 0,
  };
}

/**
 * Starts the branch and relays it until it ends. Never throws: a branch that could not start or
 * failed is an `error` outcome; the parent decides what the run makes of it.
 */
export async function runBranch(
  context: BranchContext,
  spec: BranchSpec,
  request: QueryRequest,
  onStarted: (handle: RunHandle) => void,
): Promise<BranchOutcome> {
  const { emit, signal } = context;
  let handle: RunHandle;
  try {
    // The parent's id generator (the route fixes it to the parent's id) is not the branch's.
    handle = await startRun(
      request,
      { ...context.services, newRunId: undefined },
      { sharedSpend: context.sharedSpend },
    );
  } catch (error) {
    const code = SandcasterError.isInstance(error) ? error.code : ERROR_CODES.INTERNAL;
    const message = error instanceof Error ? error.message : "the branch could not start";
    return failed(spec, undefined, code, message);
  }
  onStarted(handle);
  const stop = () => handle.cancel(signal.reason);
  if (signal.aborted) stop();
  signal.addEventListener("abort", stop, { once: true });

  let result: ResultEvent | undefined;
  let error: { code: string; content: string } | undefined;
  const files: FileEvent[] = [];
  let turns = 0;
  const tag = { branchId: spec.branchId };
  try {
    for await (const { event } of handle.events) {
      if (event.type === "result") result = event;
      else if (event.type === "error") {
        error ??= { code: event.code ?? ERROR_CODES.INTERNAL, content: event.content };
        emit({ type: "warning", code: event.code, content: event.content, ...tag });
      } else if (event.type === "file") files.push(event);
      else emit({ ...event, ...tag });
      if (event.type === "tool_result") {
        turns++;
        emit({
          type: "branch_progress",
          content: `${spec.branchId}: ${turns} tool calls`,
          ...tag,
          branchIndex: spec.index,
          status: "running",
          numTurns: turns,
        });
      }
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
  const outcome = await handle.done;
  const base = {
    spec,
    runId: handle.runId,
    files,
    costUsd: outcome.costUsd ?? 0,
    usage: outcome.usage,
    numTurns: outcome.numTurns ?? result?.numTurns ?? turns,
  };
  if (outcome.status === "completed" && result && !error) {
    return { ...base, status: "success", result, error: undefined };
  }
  return {
    ...base,
    status: "error",
    result: undefined,
    error: error ?? {
      code: outcome.error?.code ?? ERROR_CODES.INTERNAL,
      content: outcome.error?.message ?? "the branch ended without a result",
    },
  };
}
