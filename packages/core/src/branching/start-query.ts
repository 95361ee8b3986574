// The one entry for a POST /query body: a branching request (its own `branching`, or
// sandcaster.json's) fans out (start-branching.ts), any other is a single run.
import type { QueryRequest } from "@sandcaster/protocol";
import type { RunHandle } from "../run/run-handle.js";
import type { StartRunServices } from "../run/run-services.js";
import { type StartRunOptions, startRun } from "../run/start-run.js";
import { effectiveBranching } from "./effective-branching.js";
import { startBranching } from "./start-branching.js";

export function startQuery(
  request: QueryRequest,
  services: StartRunServices,
  options: StartRunOptions = {},
): Promise<RunHandle> {
  const branching = effectiveBranching(request, services.config);
  if (branching && branching.enabled !== false) {
    return startBranching({ ...request, branching }, services, options);
  }
  return startRun(request, services, options);
}
