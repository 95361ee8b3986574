// What the runner of a branching run's first attempt is told: the `explicit` and `confidence`
// triggers give its agent a tool (the runner's branching/branch-tools.ts); `always` gives none.
import { MAX_BRANCHES, type QueryRequest, type RunnerBranching } from "@sandcaster/protocol";

export const DEFAULT_CONFIDENCE_THRESHOLD = 0.5;

export function runnerBranching(request: QueryRequest): { branching?: RunnerBranching } {
  const branching = request.branching;
  if (!branching || branching.enabled === false) return {};
  const trigger = branching.trigger ?? "always";
  if (trigger === "always") return {};
  return {
    branching: {
      trigger,
      maxBranches: Math.min(branching.maxBranches ?? MAX_BRANCHES, MAX_BRANCHES),
      confidenceThreshold: branching.confidenceThreshold ?? DEFAULT_CONFIDENCE_THRESHOLD,
    },
  };
}
