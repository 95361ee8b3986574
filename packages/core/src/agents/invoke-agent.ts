// The entry for an agent invocation: a run (recorded in /runs with kind "agent", streamed,
// cancellable, timed out like any) in a fresh sandbox from the agent's template (its warm pool),
// whose exec phase runs the agent's entrypoint instead of the runner.
import type { QueryRequest, RequestFile } from "@sandcaster/protocol";
import type { RunHandle } from "../run/run-handle.js";
import type { StartRunServices } from "../run/run-services.js";
import { type StartRunOptions, startRun } from "../run/start-run.js";
import { type AgentExecOutcome, agentExec } from "./agent-exec.js";
import { agentPoolLimits, agentSandboxConfig } from "./agent-limits.js";
import type { AgentTarget } from "./agent-service.js";

/** The least a run accepts as its timeout (QueryRequest's floor). */
const MIN_RUN_TIMEOUT_SECS = 5;

export interface AgentInvocation extends RunHandle {
  /** Set once the agent's process ended (absent when it never ran: sandbox failure, timeout). */
  outcome(): AgentExecOutcome | undefined;
}

export interface AgentInvokeInput {
  prompt: string;
  files?: readonly RequestFile[] | undefined;
  timeout?: number | undefined;
}

export async function invokeAgent(
  target: AgentTarget,
  input: AgentInvokeInput,
  services: StartRunServices,
  options: Omit<StartRunOptions, "exec"> = {},
): Promise<AgentInvocation> {
  // The template's provider: its name decides the sandbox's network setting.
  const { base } = target;
  const timeout = Math.min(input.timeout ?? target.limits.timeoutSecs, target.limits.timeoutSecs);
  const request: QueryRequest = {
    // What /runs shows; the agent itself reads the prompt from stdin.
    prompt: `agent ${target.name} v${target.version}: ${input.prompt}`,
    sandboxProvider: base.name,
    timeout: Math.max(timeout, MIN_RUN_TIMEOUT_SECS),
  } as QueryRequest;
  const { config } = services;
  const provider = target.provider(agentPoolLimits(config, target.limits, base.name));
  let outcome: AgentExecOutcome | undefined;
  const run = await startRun(
    request,
    {
      ...services,
      // The manifest may lower the server's sandbox limits, never raise them.
      config: agentSandboxConfig(config, target.limits),
      providers: { select: async () => provider, all: () => [provider] },
    },
    {
      ...options,
      exec: agentExec(
        {
          entrypoint: target.entrypoint,
          cwd: target.cwd,
          prompt: input.prompt,
          files: input.files ?? [],
          secrets: target.secrets,
        },
        (ended) => {
          outcome = ended;
        },
      ),
    },
  );
  return Object.assign(run, { outcome: () => outcome });
}
