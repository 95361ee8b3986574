// The entry for a branching run: refusals first (400 naming the field), then one parent run whose
// work is the fan-out — so it gets the run's admission, record, replay, cancel, timeout and settle,
// and each branch is a run of its own through startRun.
import type { BranchingRequest, QueryRequest } from "@sandcaster/protocol";
import type { RunHandle } from "../run/run-handle.js";
import type { StartRunServices } from "../run/run-services.js";
import { type StartRunOptions, startRun } from "../run/start-run.js";
import { branchingExec } from "./branching-exec.js";
import { validateBranching } from "./validate-branching.js";

export async function startBranching(
  request: QueryRequest & { branching: BranchingRequest },
  services: StartRunServices,
  options: Omit<StartRunOptions, "exec"> = {},
): Promise<RunHandle> {
  const plan = validateBranching(request, services.config, services.env);
  return startRun(request, services, { ...options, exec: branchingExec(services, plan) });
}
