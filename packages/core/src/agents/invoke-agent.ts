// The entry for an agent invocation: a run (recorded in /runs with kind "agent", streamed,
// cancellable, timed out like any) in a fresh sandbox from the agent's template, whose exec phase
// runs the agent's entrypoint instead of the runner.
import type { QueryRequest } from "@sandcaster/protocol";
import type { RunHandle } from "../run/run-handle.js";
import type { StartRunServices } from "../run/run-services.js";
import { type StartRunOptions, startRun } from "../run/start-run.js";
import type { SandboxProvider } from "../sandbox/sandbox.js";
import { type AgentExecOutcome, agentExec } from "./agent-exec.js";
import type { AgentTarget } from "./agent-service.js";

/** The least a run accepts as its timeout (QueryRequest's floor). */
const MIN_RUN_TIMEOUT_SECS = 5;

export interface AgentInvocation extends RunHandle {
  /** Set once the agent's process ended (absent when it never ran: sandbox failure, timeout). */
  outcome(): AgentExecOutcome | undefined;
}

export async function invokeAgent(
  target: AgentTarget,
  input: { prompt: string; timeout?: number | undefined },
  services: StartRunServices,
  provider: SandboxProvider,
  options: Omit<StartRunOptions, "exec"> = {},
): Promise<AgentInvocation> {
  const timeout = Math.min(input.timeout ?? target.limits.timeoutSecs, target.limits.timeoutSecs);
  const request: QueryRequest = {
    // What /runs shows; the agent itself reads the prompt from stdin.
    prompt: `agent ${target.name} v${target.version}: ${input.prompt}`,
    sandboxProvider: provider.name,
    timeout: Math.max(timeout, MIN_RUN_TIMEOUT_SECS),
  } as QueryRequest;
  const { config } = services;
  let outcome: AgentExecOutcome | undefined;
  const run = await startRun(
    request,
    {
      ...services,
      // The manifest may lower the server's sandbox limits, never raise them.
      config: {
        ...config,
        docker: {
          ...config.docker,
          memoryMb: Math.min(config.docker.memoryMb, target.limits.memoryMb),
          cpus: Math.min(config.docker.cpus, target.limits.cpus),
        },
      },
      providers: { select: async () => provider, all: () => [provider] },
    },
    {
      ...options,
      exec: agentExec(
        {
          entrypoint: target.entrypoint,
          cwd: target.cwd,
          prompt: input.prompt,
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
