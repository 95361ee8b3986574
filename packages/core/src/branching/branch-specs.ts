// Which branches a run fans out into, and the request each one runs: the caller's, minus what
// belongs to the whole run (branching itself, the session, the webhook, the disconnect policy),
// with the branch's own prompt, model and sandbox.
import { type BranchingRequest, MAX_BRANCHES, type QueryRequest } from "@sandcaster/protocol";
import type { BranchSpec } from "./branch-outcome.js";

/** Upstream's default when neither `count` nor `branches` says. */
const DEFAULT_COUNT = 3;

/** The branches of `always` (and of a low confidence): one per override, else `count` alike. */
export function fixedSpecs(branching: BranchingRequest, prompts: (index: number) => string) {
  const overrides = branching.branches ?? [];
  const count = branching.branches ? overrides.length : (branching.count ?? DEFAULT_COUNT);
  return Array.from({ length: Math.min(count, MAX_BRANCHES) }, (_, index) =>
    specOf(index, prompts(index), overrides[index]),
  );
}

/** The agent's alternatives, capped by `maxBranches`; overrides apply by position. */
export function alternativeSpecs(branching: BranchingRequest, alternatives: readonly string[]) {
  const cap = Math.min(branching.maxBranches ?? MAX_BRANCHES, MAX_BRANCHES);
  return alternatives
    .slice(0, cap)
    .map((prompt, index) => specOf(index, prompt, branching.branches?.[index]));
}

function specOf(
  index: number,
  prompt: string,
  override: NonNullable<BranchingRequest["branches"]>[number] | undefined,
): BranchSpec {
  return {
    branchId: `branch-${index}`,
    index,
    prompt,
    provider: override?.provider,
    model: override?.model,
    sandboxProvider: override?.sandboxProvider,
  };
}

export function branchRequest(
  request: QueryRequest,
  spec: BranchSpec,
  parentRunId: string,
): QueryRequest {
  const {
    branching: _branching,
    sessionId: _session,
    webhook: _webhook,
    onDisconnect: _onDisconnect,
    ...rest
  } = request;
  const branch: QueryRequest = {
    ...rest,
    prompt: spec.prompt,
    metadata: { ...request.metadata, branchOf: parentRunId, branchId: spec.branchId },
  };
  // A branch naming only a provider must not inherit a model of another provider, and back.
  if (spec.model || spec.provider) {
    delete branch.model;
    delete branch.provider;
  }
  if (spec.model) branch.model = spec.model;
  if (spec.provider) branch.provider = spec.provider;
  if (spec.sandboxProvider) branch.sandboxProvider = spec.sandboxProvider;
  return branch;
}
