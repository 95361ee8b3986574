// The phase that does a run's work once its sandbox exists. By default the agent runner is staged
// and executed; a pipeline brings its own (steps run by the host), and everything around it —
// announce, sandbox, recording, cancel, timeout, teardown, settle — stays the same.
import type { Sandbox } from "../sandbox/sandbox.js";
import type { RunnerEnd } from "./exec-runner.js";
import type { RunScope } from "./run-scope.js";

export interface RunExec {
  /** What /runs records as the run's kind. */
  kind: "pipeline" | "agent";
  /** Runs in the acquired sandbox (extensions open); its `result` ends the stream. */
  run(scope: RunScope, sandbox: Sandbox): Promise<RunnerEnd>;
}
