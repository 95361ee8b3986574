// Fans out: every branch starts (staggered if asked) and runs at once; each announces itself with
// `branch_start` and ends with `branch_progress` and `branch_complete`. Returns when every branch
// has ended and its sandbox is gone, also when the parent is stopped (its signal cancels them all).
import { setTimeout as sleep } from "node:timers/promises";
import type { QueryRequest } from "@sandcaster/protocol";
import type { BranchOutcome, BranchSpec } from "./branch-outcome.js";
import { branchRequest } from "./branch-specs.js";
import { type BranchContext, runBranch } from "./run-branch.js";

export interface FanOut {
  specs: readonly BranchSpec[];
  request: QueryRequest;
  parentRunId: string;
  staggerDelayMs: number;
}

async function oneBranch(context: BranchContext, fanOut: FanOut, spec: BranchSpec) {
  const { emit } = context;
  const totalBranches = fanOut.specs.length;
  const request = branchRequest(fanOut.request, spec, fanOut.parentRunId);
  const outcome: BranchOutcome = await runBranch(context, spec, request, (handle) =>
    emit({
      type: "branch_start",
      content: `${spec.branchId} started (${handle.model?.model ?? "default model"} on ${handle.sandboxProvider})`,
      branchId: spec.branchId,
      branchIndex: spec.index,
      totalBranches,
      prompt: spec.prompt,
      runId: handle.runId,
      ...(handle.model ? { model: handle.model.model, provider: handle.model.provider } : {}),
      sandboxProvider: handle.sandboxProvider,
    }),
  );
  const tag = { branchId: spec.branchId, branchIndex: spec.index };
  const figures = { costUsd: outcome.costUsd, numTurns: outcome.numTurns };
  emit({
    type: "branch_progress",
    content: `${spec.branchId} ${outcome.status === "success" ? "completed" : "failed"}`,
    ...tag,
    status: outcome.status === "success" ? "completed" : "error",
    ...figures,
  });
  emit({
    type: "branch_complete",
    ...tag,
    status: outcome.status,
    ...figures,
    content: outcome.result?.content ?? outcome.error?.content ?? "",
    ...(outcome.error ? { code: outcome.error.code } : {}),
  });
  return outcome;
}

export async function runBranches(
  context: BranchContext,
  fanOut: FanOut,
): Promise<BranchOutcome[]> {
  const running: Promise<BranchOutcome>[] = [];
  for (const spec of fanOut.specs) {
    if (running.length > 0 && fanOut.staggerDelayMs > 0) {
      await sleep(fanOut.staggerDelayMs, undefined, { signal: context.signal }).catch(
        () => undefined,
      );
    }
    // A stop during the stagger: the branches not started yet never start (no sandbox to destroy).
    if (context.signal.aborted) break;
    running.push(oneBranch(context, fanOut, spec));
  }
  return Promise.all(running);
}
