// An invocation's sandbox settings, computed in one place for the run and for the agent's warm
// pool: a pooled sandbox serves only a run whose limits equal the pool's.
import type { SandboxProviderName, SandcasterConfig } from "@sandcaster/protocol";
import { sandboxLimits, sandboxNetwork } from "../sandbox/sandbox-limits.js";
import type { PoolLimits } from "./agent-pools.js";

export interface AgentLimits {
  timeoutSecs: number;
  memoryMb: number;
  cpus: number;
}

/** The server's docker settings with the manifest's lower limits (it may lower, never raise). */
export function agentSandboxConfig<T extends Pick<SandcasterConfig, "docker" | "local">>(
  config: T,
  limits: AgentLimits,
): T {
  return {
    ...config,
    docker: {
      ...config.docker,
      memoryMb: Math.min(config.docker.memoryMb, limits.memoryMb),
      cpus: Math.min(config.docker.cpus, limits.cpus),
    },
  };
}

export function agentPoolLimits(
  config: Pick<SandcasterConfig, "docker" | "local">,
  limits: AgentLimits,
  provider: SandboxProviderName,
): PoolLimits {
  const lowered = agentSandboxConfig(config, limits);
  return { ...sandboxLimits(lowered.docker), network: sandboxNetwork(lowered, provider) };
}
