// The limits every sandbox gets, from sandcaster.json's `docker` section (the local provider
// applies what it can), and a warm pool configured from the same place.
import type { DockerConfig, PoolConfig } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { SandboxLimits, SandboxProvider } from "./sandbox.js";
import { WarmPool } from "./warm-pool.js";

export function sandboxLimits(docker: DockerConfig): Omit<SandboxLimits, "timeoutMs"> {
  return {
    memoryMb: docker.memoryMb,
    cpus: docker.cpus,
    pids: docker.pidsLimit,
    network: docker.network,
  };
}

/** A warm pool of `provider`'s sandboxes with the limits every run gets. */
export function warmPoolFor(
  provider: SandboxProvider,
  pool: PoolConfig,
  docker: DockerConfig,
  logger: Logger,
): WarmPool {
  return new WarmPool(provider, {
    size: pool.size,
    maxAgeSecs: pool.maxAgeSecs,
    limits: sandboxLimits(docker),
    logger,
  });
}
