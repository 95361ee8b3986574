// Triggers `explicit` and `confidence`: the run starts as one ordinary run whose agent has the
// `branch` or `report_confidence` tool. Its events are the parent's; if the agent asks for
// alternatives (or reports a confidence under the threshold) that run is stopped — its sandbox
// destroyed, its cost kept — and the branches start; if it just finishes, its end is the run's.
import {
  type BranchingRequest,
  ERROR_CODES,
  type ErrorCode,
  type QueryRequest,
} from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";
import type { RunnerEnd } from "../run/exec-runner.js";
import { RunError } from "../run/run-error.js";
import type { RunHandle } from "../run/run-handle.js";
import { startRun } from "../run/start-run.js";
import type { BranchOutcome, BranchSpec } from "./branch-outcome.js";
import { alternativeSpecs, fixedSpecs } from "./branch-specs.js";
import type { BranchContext } from "./run-branch.js";

export type FirstEnd =
  | { kind: "finished"; end: RunnerEnd }
  | { kind: "branch"; outcome: BranchOutcome; specs: BranchSpec[] };

export interface FirstRun {
  request: QueryRequest;
  branching: BranchingRequest;
  parentRunId: string;
}

import {
  branchToolsExtension,
  DEFAULT_CONFIDENCE_THRESHOLD as DEFAULT_THRESHOLD,
  runnerBranching,
} from "./runner-branching.js";

function codeOf(code: string | undefined): ErrorCode {
  const known = Object.values(ERROR_CODES) as string[];
  return code && known.includes(code) ? (code as ErrorCode) : ERROR_CODES.INTERNAL;
}

function retryPrompt(task: string, level: number, reason: string, attempt: number): string {
  return (
    `${task}\n\nAn earlier attempt at this task reported low confidence (${level}): ${reason}\n` +
    `Take a different approach from that attempt (attempt ${attempt}).`
  );
}

export async function runFirst(context: BranchContext, first: FirstRun): Promise<FirstEnd> {
  const { emit, signal } = context;
  const { request, branching } = first;
  const { sessionId: _s, webhook: _w, onDisconnect: _o, branching: _b, ...rest } = request;
  const trigger = branching.trigger === "confidence" ? "confidence" : "explicit";
  let handle: RunHandle;
  try {
    handle = await startRun(
      {
        ...rest,
        metadata: { ...request.metadata, branchOf: first.parentRunId, branchId: "first" },
      },
      { ...context.services, newRunId: undefined },
      {
        extensions: [branchToolsExtension(runnerBranching(branching, trigger))],
        sharedSpend: context.sharedSpend,
      },
    );
  } catch (error) {
    if (SandcasterError.isInstance(error)) throw error;
    throw new RunError("INTERNAL", "the first run could not start");
  }
  const stop = () => handle.cancel(signal.reason);
  if (signal.aborted) stop();
  signal.addEventListener("abort", stop, { once: true });
  const threshold = branching.confidenceThreshold ?? DEFAULT_THRESHOLD;
  let specs: BranchSpec[] | undefined;
  let end: RunnerEnd = { result: undefined, filesCount: 0 };
  let failure: { code?: string | undefined; content: string } | undefined;
  try {
    for await (const { event } of handle.events) {
      if (event.type === "system" && event.subtype === "init") continue;
      if (event.type === "result") {
        end = { ...end, result: event };
        continue;
      }
      if (event.type === "error") {
        failure ??= event;
        continue;
      }
      if (event.type === "file") end = { ...end, filesCount: end.filesCount + 1 };
      emit(event);
      if (specs) continue;
      if (event.type === "branch_request" && branching.trigger === "explicit") {
        specs = alternativeSpecs(
          branching,
          event.alternatives.map((alt) => `${request.prompt}\n\nApproach to take: ${alt}`),
        );
      } else if (
        event.type === "confidence_report" &&
        branching.trigger === "confidence" &&
        event.level < threshold
      ) {
        specs = fixedSpecs(branching, (i) =>
          retryPrompt(request.prompt, event.level, event.reason, i + 1),
        );
      }
      if (specs) handle.cancel("the agent asked to branch");
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
  const outcome = await handle.done;
  if (signal.aborted) throw signal.reason;
  if (specs) {
    return {
      kind: "branch",
      specs,
      outcome: {
        spec: { branchId: "first", index: -1, prompt: request.prompt },
        runId: handle.runId,
        status: "error",
        result: undefined,
        error: { code: ERROR_CODES.CANCELLED, content: "stopped to branch" },
        files: [],
        costUsd: outcome.costUsd ?? 0,
        usage: outcome.usage,
        numTurns: outcome.numTurns ?? 0,
      },
    };
  }
  if (failure || !end.result) {
    throw new RunError(codeOf(failure?.code), failure?.content ?? "the run ended without a result");
  }
  return { kind: "finished", end };
}
