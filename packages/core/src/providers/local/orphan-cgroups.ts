// Sweeps sandbox cgroups a crashed server left behind: those whose sandbox dir is gone.
import { createHash } from "node:crypto";
import { access } from "node:fs/promises";
import { posix } from "node:path";
import { type CgroupHost, listSandboxCgroups, removeSandboxCgroup } from "./cgroups.js";

/**
 * A short tag of the base dir, appended to cgroup names: a server sweeps only cgroups of sandboxes
 * in its own base dir (another server on the host may use another one).
 */
export function cgroupTagOf(baseDir: string): string {
  return createHash("sha256").update(baseDir).digest("hex").slice(0, 8);
}

/**
 * A sandbox's dir exists before its cgroup and is removed after it, so a tagged cgroup without its
 * dir belongs to no live sandbox: its processes are killed and it is removed. Returns how many.
 */
export async function sweepOrphanCgroups(
  host: CgroupHost,
  baseDir: string,
  tag: string,
  logger?: { warn(obj: object, msg: string): void },
): Promise<number> {
  let removed = 0;
  for (const name of await listSandboxCgroups(host)) {
    if (!name.endsWith(`.${tag}`)) continue;
    const dir = posix.join(baseDir, name.slice(0, -(tag.length + 1)));
    const alive = await access(dir).then(
      () => true,
      () => false,
    );
    if (alive) continue;
    try {
      await removeSandboxCgroup(host, name);
      removed += 1;
    } catch (error) {
      logger?.warn({ err: error, cgroup: name }, "local sandbox: cannot sweep orphan cgroup");
    }
  }
  return removed;
}
