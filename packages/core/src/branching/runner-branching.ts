// The first attempt of an `explicit` or `confidence` branching run gets its trigger's tool (the
// runner's branching/branch-tools.ts) through a run extension: only that run, never one started
// another way with the same request (a session turn, the in-process CLI), whose agent would wait
// on a tool nobody answers.
import { type BranchingRequest, MAX_BRANCHES, type RunnerBranching } from "@sandcaster/protocol";
import type { RunExtension } from "../run/run-extension.js";

export const DEFAULT_CONFIDENCE_THRESHOLD = 0.5;

export function runnerBranching(
  branching: BranchingRequest,
  trigger: RunnerBranching["trigger"],
): RunnerBranching {
  return {
    trigger,
    maxBranches: Math.min(branching.maxBranches ?? MAX_BRANCHES, MAX_BRANCHES),
    confidenceThreshold: branching.confidenceThreshold ?? DEFAULT_CONFIDENCE_THRESHOLD,
  };
}

export function branchToolsExtension(settings: RunnerBranching): RunExtension {
  return {
    name: "branch-tools",
    open: () => ({ runner: { config: { branching: settings } } }),
  };
}
