// Memory, process-count and CPU limits of local sandboxes: one cgroup per sandbox (v1 or v2).
import { access, constants, mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readCgroupCounter } from "../shared/cgroup-counter.js";

/** The parent group of every sandbox's cgroup, under each hierarchy. */
export const CGROUP_PARENT = "sandcaster";
const V1_CONTROLLERS = ["memory", "pids", "cpu"] as const;
type Controller = (typeof V1_CONTROLLERS)[number];
const CFS_PERIOD_US = 100_000;
const MIB = 1024 * 1024;

/** Where the sandbox cgroups go: one dir per v1 controller, or the single v2 hierarchy. */
export type CgroupHost =
  | { version: 1; parents: Readonly<Record<Controller, string>> }
  | { version: 2; parent: string };

export interface CgroupLimits {
  memoryMb: number;
  pids: number;
  cpus: number;
}

const exists = (path: string) =>
  access(path, constants.F_OK).then(
    () => true,
    () => false,
  );

/**
 * Finds the hierarchy and makes the `sandcaster` parent group(s); a reason when the host has no
 * usable cgroups or we may not write them (not root, read-only /sys/fs/cgroup, missing controller).
 */
export async function prepareCgroups(
  root = "/sys/fs/cgroup",
): Promise<{ host: CgroupHost } | { reason: string }> {
  try {
    if (await exists(posix.join(root, "cgroup.controllers"))) {
      const available = (await readFile(posix.join(root, "cgroup.controllers"), "utf8")).split(
        /\s+/,
      );
      const missing = V1_CONTROLLERS.filter((c) => !available.includes(c));
      if (missing.length > 0)
        return { reason: `cgroup v2 lacks the ${missing.join(", ")} controller` };
      const parent = posix.join(root, CGROUP_PARENT);
      // Children of a group get a controller only when its parent delegates it.
      await writeFile(posix.join(root, "cgroup.subtree_control"), "+memory +pids +cpu");
      await mkdir(parent, { recursive: true });
      await writeFile(posix.join(parent, "cgroup.subtree_control"), "+memory +pids +cpu");
      await access(parent, constants.W_OK);
      return { host: { version: 2, parent } };
    }
    const parents = {} as Record<Controller, string>;
    for (const controller of V1_CONTROLLERS) {
      const hierarchy = posix.join(root, controller);
      if (!(await exists(posix.join(hierarchy, "cgroup.procs")))) {
        return { reason: `no cgroup v1 ${controller} hierarchy at ${hierarchy}` };
      }
      parents[controller] = posix.join(hierarchy, CGROUP_PARENT);
      await mkdir(parents[controller], { recursive: true });
      // It may exist already (made by a root server) without being ours to write.
      await access(parents[controller], constants.W_OK);
    }
    return { host: { version: 1, parents } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      reason: `cannot write ${root} (${code ?? (error as Error).message}): cgroups need a root server or a delegated hierarchy`,
    };
  }
}

/** Whether prepareCgroups() would work, without writing anything (for `doctor`). */
export async function checkCgroups(
  root = "/sys/fs/cgroup",
): Promise<{ ok: true; version: 1 | 2 } | { ok: false; reason: string }> {
  const writable = (path: string) =>
    access(path, constants.W_OK).then(
      () => true,
      () => false,
    );
  if (await exists(posix.join(root, "cgroup.controllers"))) {
    const available = (await readFile(posix.join(root, "cgroup.controllers"), "utf8")).split(/\s+/);
    const missing = V1_CONTROLLERS.filter((c) => !available.includes(c));
    if (missing.length > 0)
      return { ok: false, reason: `cgroup v2 lacks the ${missing.join(", ")} controller` };
    if (process.getuid?.() !== 0 || !(await writable(posix.join(root, "cgroup.subtree_control")))) {
      return { ok: false, reason: `${root} (cgroup v2) is not writable by this user` };
    }
    return { ok: true, version: 2 };
  }
  for (const controller of V1_CONTROLLERS) {
    const hierarchy = posix.join(root, controller);
    if (!(await exists(posix.join(hierarchy, "cgroup.procs")))) {
      return { ok: false, reason: `no cgroup v1 ${controller} hierarchy at ${hierarchy}` };
    }
    if (process.getuid?.() !== 0 || !(await writable(hierarchy))) {
      return { ok: false, reason: `${hierarchy} is not writable by this user` };
    }
  }
  return { ok: true, version: 1 };
}

/** One sandbox's cgroup (a dir per v1 controller, or one v2 dir). */
export class SandboxCgroup {
  private constructor(
    private readonly host: CgroupHost,
    /** memory, pids, cpu (v1) or the one v2 dir. */
    readonly dirs: readonly string[],
    private readonly limits: CgroupLimits,
  ) {}

  /** Creates the group(s) and writes the limits before any process can join. */
  static async create(
    host: CgroupHost,
    name: string,
    limits: CgroupLimits,
  ): Promise<SandboxCgroup> {
    const dirs = dirsOf(host, name);
    const cgroup = new SandboxCgroup(host, dirs, limits);
    try {
      for (const dir of dirs) await mkdir(dir);
      await cgroup.writeLimits();
      return cgroup;
    } catch (error) {
      await cgroup.remove().catch(() => undefined);
      throw error;
    }
  }

  /** Only positive limits are written: zero or less means "no limit" for that resource. */
  private async writeLimits(): Promise<void> {
    const { memoryMb, pids, cpus } = this.limits;
    const memory = memoryMb > 0 ? String(Math.floor(memoryMb * MIB)) : undefined;
    const quota = cpus > 0 ? String(Math.max(1000, Math.round(cpus * CFS_PERIOD_US))) : undefined;
    const maxPids = pids > 0 ? String(Math.floor(pids)) : undefined;
    if (this.host.version === 2) {
      const [dir] = this.dirs as [string];
      if (memory) {
        await writeFile(posix.join(dir, "memory.max"), memory);
        // Swap would let a hog outgrow the limit on disk.
        await writeFile(posix.join(dir, "memory.swap.max"), "0").catch(() => undefined);
      }
      if (maxPids) await writeFile(posix.join(dir, "pids.max"), maxPids);
      if (quota) await writeFile(posix.join(dir, "cpu.max"), `${quota} ${CFS_PERIOD_US}`);
      return;
    }
    const [memDir, pidsDir, cpuDir] = this.dirs as [string, string, string];
    if (memory) {
      await writeFile(posix.join(memDir, "memory.limit_in_bytes"), memory);
      // memory+swap no higher than memory: no swapping past the limit (absent without swap accounting).
      await writeFile(posix.join(memDir, "memory.memsw.limit_in_bytes"), memory).catch(
        () => undefined,
      );
    }
    if (maxPids) await writeFile(posix.join(pidsDir, "pids.max"), maxPids);
    if (quota) {
      await writeFile(posix.join(cpuDir, "cpu.cfs_period_us"), String(CFS_PERIOD_US));
      await writeFile(posix.join(cpuDir, "cpu.cfs_quota_us"), quota);
    }
  }

  /** The files a process writes its pid to, to join every controller. */
  get procsFiles(): string[] {
    return this.dirs.map((dir) => posix.join(dir, "cgroup.procs"));
  }

  /** SIGKILLs every process in the group until it is empty (bounded: a pids limit caps forks). */
  kill(): Promise<void> {
    return killCgroup(this.host, this.dirs);
  }

  /** What the sandbox ran into: its memory (OOM kills) and process-count limits. */
  async limitsHit(): Promise<string[]> {
    const hits: string[] = [];
    const [first, pidsDir] = this.dirs as [string, string | undefined];
    const oomKills =
      this.host.version === 2
        ? await readCgroupCounter(posix.join(first, "memory.events"), "oom_kill")
        : await readCgroupCounter(posix.join(first, "memory.oom_control"), "oom_kill");
    if (oomKills > 0) {
      hits.push(
        `the sandbox hit its memory limit (${this.limits.memoryMb} MB): ${oomKills} process(es) killed`,
      );
    }
    const forkFails = await readCgroupCounter(
      posix.join(this.host.version === 2 ? first : (pidsDir as string), "pids.events"),
      "max",
    );
    if (forkFails > 0) {
      hits.push(
        `the sandbox hit its process limit (${this.limits.pids}): ${forkFails} fork(s) refused`,
      );
    }
    return hits;
  }

  /** Kills what is left and removes the group(s). */
  async remove(): Promise<void> {
    await this.kill();
    for (const dir of this.dirs) await removeCgroupDir(dir);
  }
}

function dirsOf(host: CgroupHost, name: string): string[] {
  return host.version === 2
    ? [posix.join(host.parent, name)]
    : V1_CONTROLLERS.map((c) => posix.join(host.parents[c], name));
}

async function killCgroup(host: CgroupHost, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    if (host.version === 2) {
      await writeFile(posix.join(dir, "cgroup.kill"), "1").catch(() => undefined);
    }
    for (let round = 0; round < 250; round++) {
      const text = await readFile(posix.join(dir, "cgroup.procs"), "utf8").catch(() => "");
      const pids = text.split("\n").filter(Boolean).map(Number);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Gone already.
        }
      }
      await sleep(20);
    }
  }
}

async function removeCgroupDir(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || attempt >= 100) throw error;
      await sleep(20);
    }
  }
}

/** Every sandbox cgroup name under the parent(s) (union over v1 controllers). */
export async function listSandboxCgroups(host: CgroupHost): Promise<string[]> {
  const parents = host.version === 2 ? [host.parent] : Object.values(host.parents);
  const names = new Set<string>();
  for (const parent of parents) {
    const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) names.add(entry.name);
  }
  return [...names];
}

/** Kills the processes of a named sandbox cgroup and removes it (an orphan of a dead server). */
export async function removeSandboxCgroup(host: CgroupHost, name: string): Promise<void> {
  const present: string[] = [];
  for (const dir of dirsOf(host, name)) if (await exists(dir)) present.push(dir);
  await killCgroup(host, present);
  for (const dir of present) await removeCgroupDir(dir);
}
