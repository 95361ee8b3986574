// The one entry for a POST /query body: a branching request fans out (start-branching.ts), any
// other is a single run.
import type { BranchingRequest, QueryRequest } from "@sandcaster/protocol";
import type { RunHandle } from "../run/run-handle.js";
import type { StartRunServices } from "../run/run-services.js";
import { type StartRunOptions, startRun } from "../run/start-run.js";
import { startBranching } from "./start-branching.js";

function isBranching(
  request: QueryRequest,
): request is QueryRequest & { branching: BranchingRequest } {
  return request.branching !== undefined && request.branching.enabled !== false;
}

export function startQuery(
  request: QueryRequest,
  services: StartRunServices,
  options: StartRunOptions = {},
): Promise<RunHandle> {
  if (isBranching(request)) return startBranching(request, services, options);
  return startRun(request, services, options);
}
