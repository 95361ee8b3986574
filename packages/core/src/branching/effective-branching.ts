// The branching a POST /query run gets: sandcaster.json `branching` as the default, the request's
// merged over it field by field. `count` and `branches` are two answers to one question, so the
// request's choice of one drops the config's other. A session's turn never branches by default
// (a branch cannot continue a session); only its own `branching` asks for it (and is refused).
import type { BranchingRequest, QueryRequest, SandcasterConfig } from "@sandcaster/protocol";

export function effectiveBranching(
  request: Pick<QueryRequest, "branching" | "sessionId">,
  config: Pick<SandcasterConfig, "branching">,
): BranchingRequest | undefined {
  const own = request.branching;
  const fallback = request.sessionId ? undefined : config.branching;
  if (!fallback) return own;
  if (!own) return fallback;
  const base: BranchingRequest = { ...fallback };
  if (own.count !== undefined) delete base.branches;
  if (own.branches !== undefined) delete base.count;
  return { ...base, ...own };
}
