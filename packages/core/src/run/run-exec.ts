// The phase that does a run's work. By default the agent runner is staged and executed in the
// run's sandbox; a pipeline brings its own (steps run by the host in that sandbox), and branching
// acquires none (each branch is a run with its own). Everything around it — announce, recording,
// cancel, timeout, teardown, settle — stays the same.
import type { Sandbox } from "../sandbox/sandbox.js";
import type { RunnerEnd } from "./exec-runner.js";
import type { MeteredUsage, OpenedRunExtension } from "./run-extension.js";
import type { RunScope } from "./run-scope.js";

export type RunExec = SandboxExec | HostExec;

export interface SandboxExec {
  /** What /runs records as the run's kind. */
  kind: "pipeline" | "agent";
  /**
   * Runs in the acquired sandbox (extensions open: `opened` is what they gave, e.g. the model
   * gateway's token for an agent's process); its `result` ends the stream.
   */
  run(scope: RunScope, sandbox: Sandbox, opened: readonly OpenedRunExtension[]): Promise<RunnerEnd>;
}

/** Work that needs no sandbox nor extensions of its own; it must stop when `scope.signal` aborts. */
export interface HostExec {
  kind: "branching";
  runOnHost(scope: RunScope): Promise<RunnerEnd>;
  /** What the work spent, read once it ended (also when it failed or was stopped). */
  usage?(): MeteredUsage | undefined;
}
