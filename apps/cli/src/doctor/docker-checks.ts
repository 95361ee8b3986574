// What a Docker sandbox does not hold as configured: the disk cap and the host network exposure.
import { dockerScratchMb, type SandcasterConfig } from "@sandcaster/protocol";
import type { CheckResult } from "./check.js";

/**
 * Lines shown when runs go to Docker. `storage`: the daemon's storage driver and backing
 * filesystem, when known (say why session volumes cannot be capped).
 */
export function dockerChecks(config: SandcasterConfig, storage: string | undefined): CheckResult[] {
  const { diskMb, memoryMb, network } = config.docker;
  const tmp = dockerScratchMb(diskMb);
  const sessions = `session workspaces (volumes) have no size limit${storage ? ` (${storage}: Docker's volumes have no quotas)` : ""}`;
  const disk: CheckResult =
    diskMb + tmp >= memoryMb
      ? {
          id: "docker-disk",
          status: "warn",
          message: `/workspace ${diskMb} MB + /tmp ${tmp} MB are held in memory but memoryMb is ${memoryMb}: a full disk ends in an out-of-memory kill, not ENOSPC; ${sessions}`,
          hint: "lower docker.diskMb or raise docker.memoryMb",
        }
      : {
          id: "docker-disk",
          status: "ok",
          message: `/workspace ≤ ${diskMb} MB, /tmp ≤ ${tmp} MB (in memory, within memoryMb ${memoryMb}), root read-only; ${sessions}`,
        };
  const exposed = network === "bridge" || network === "host";
  const net: CheckResult = exposed
    ? {
        id: "docker-network",
        status: "warn",
        message: `docker.network "${network}": sandboxes can reach host services (${network === "host" ? "all of them" : "those bound on 0.0.0.0 or the Docker bridge address"})`,
        hint: 'docker.network "none" cuts them off; the model must then be reached through the host socket (the model gateway)',
      }
    : {
        id: "docker-network",
        status: "ok",
        message: `docker.network "${network}": loopback only, no host service reachable`,
      };
  return [disk, net];
}
