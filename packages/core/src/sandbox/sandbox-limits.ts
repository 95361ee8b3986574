// The limits every sandbox gets, from sandcaster.json's `docker` section (the local provider
// applies what it can), and a warm pool configured from the same place.
import type {
  DockerConfig,
  PoolConfig,
  SandboxProviderName,
  SandcasterConfig,
} from "@sandcaster/protocol";
import type { Logger } from "pino";
import { prebootRunner } from "../run/preboot-runner.js";
import { loadRunnerBundle } from "../run/runner-bundle.js";
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

/**
 * The sandbox's network: `none` unless the operator configured otherwise for this provider
 * (local.network, docker.network); e2b sandboxes are remote and filtered by the egress mapping.
 */
export function sandboxNetwork(
  config: Pick<SandcasterConfig, "docker" | "local">,
  provider: SandboxProviderName,
): SandboxLimits["network"] {
  if (provider === "local") return config.local.network;
  return config.docker.network;
}

/** Whether a sandbox's network bypasses the gateway and the egress proxy (warned per run). */
export function unsafeNetworkNotice(
  provider: SandboxProviderName,
  network: SandboxLimits["network"],
): string | undefined {
  if (provider === "e2b" || network === "none") return undefined;
  return `${provider}.network is "${network}": the agent can reach host services and the internet directly, around the egress policy (unsafe; the default is "none")`;
}

/** A warm pool of `provider`'s sandboxes with the limits every run gets. */
export function warmPoolFor(
  provider: SandboxProvider,
  pool: PoolConfig,
  docker: DockerConfig,
  logger: Logger,
  /** The provider's network (sandboxNetwork); default docker.network. */
  network?: SandboxLimits["network"],
  /** WarmPoolOptions.name: "default" unless the pool is a template's. */
  name?: string,
): WarmPool {
  return new WarmPool(provider, {
    ...(name ? { name } : {}),
    size: pool.size,
    maxAgeSecs: pool.maxAgeSecs,
    limits: { ...sandboxLimits(docker), ...(network ? { network } : {}) },
    logger,
    // Local and docker sandboxes get their runner started ahead (idle, holding no key): a pooled
    // run then skips staging the bundle and booting Node. E2B keeps plain pooled sandboxes.
    ...(provider.name === "local" || provider.name === "docker"
      ? { preparer: prebootRunner(loadRunnerBundle) }
      : {}),
  });
}
