// What a container ran into — processes the kernel's OOM killer took, forks its pids limit
// refused — read from the container's cgroup on this host. Docker's own OOMKilled flag only covers
// the container's PID 1, never an agent's process killed inside it. A daemon on another machine
// (DOCKER_HOST) leaves no cgroup here: then nothing is reported.
import { access } from "node:fs/promises";
import { posix } from "node:path";
import { readCgroupCounter } from "../shared/cgroup-counter.js";

export interface ContainerLimits {
  memoryMb: number;
  pids: number;
}

const CGROUP_ROOT = "/sys/fs/cgroup";

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The container's dir under `base`, for the cgroupfs and the systemd cgroup drivers. */
async function containerDir(base: string, id: string): Promise<string | undefined> {
  for (const dir of [
    posix.join(base, "docker", id),
    posix.join(base, "system.slice", `docker-${id}.scope`),
  ]) {
    if (await exists(dir)) return dir;
  }
  return undefined;
}

/** One sentence per limit hit (the same words as the local sandbox's); never throws. */
export async function containerLimitsHit(
  id: string,
  limits: ContainerLimits,
  root = CGROUP_ROOT,
): Promise<string[]> {
  const v2 = await exists(posix.join(root, "cgroup.controllers"));
  const memoryDir = await containerDir(v2 ? root : posix.join(root, "memory"), id);
  const pidsDir = v2 ? memoryDir : await containerDir(posix.join(root, "pids"), id);
  const hits: string[] = [];
  if (memoryDir) {
    const oomKills = await readCgroupCounter(
      posix.join(memoryDir, v2 ? "memory.events" : "memory.oom_control"),
      "oom_kill",
    );
    if (oomKills > 0) {
      hits.push(
        `the sandbox hit its memory limit (${limits.memoryMb} MB): ${oomKills} process(es) killed`,
      );
    }
  }
  if (pidsDir) {
    const refused = await readCgroupCounter(posix.join(pidsDir, "pids.events"), "max");
    if (refused > 0) {
      hits.push(`the sandbox hit its process limit (${limits.pids}): ${refused} fork(s) refused`);
    }
  }
  return hits;
}
