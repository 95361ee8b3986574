// One local sandbox: a host dir with runner/ and a workspace (its own, or a session's), processes
// run under bwrap or unisolated.
import { stat } from "node:fs/promises";
import { posix } from "node:path";
import type { SandboxProviderName } from "@sandcaster/protocol";
import type { RunnerSnapshots } from "../../runner-snapshot/runner-snapshot.js";
import {
  SANDBOX_RUNNER_SNAPSHOT,
  withRunnerSnapshot,
} from "../../runner-snapshot/snapshot-launch.js";
import type {
  ChangedFiles,
  ChangedFilesLimits,
  Sandbox,
  SandboxLimits,
  SandboxProcess,
  SandboxState,
  SpawnOptions,
  StagedFile,
} from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { SANDBOX_RUNNER_DIR, SANDBOX_WORKSPACE } from "./bwrap-args.js";
import type { SandboxCgroup } from "./cgroups.js";
import {
  collectChangedFiles,
  EMPTY_SNAPSHOT,
  takeSnapshot,
  type WorkspaceSnapshot,
} from "./changed-files.js";
import { buildSandboxEnv, type LocalIsolation, startSandboxProcess } from "./local-spawn.js";
import { removeOwnedDir } from "./orphans.js";
import type { GroupProcess } from "./process-group.js";
import { mapSandboxPath, type PathRoot, writeFileSafely } from "./sandbox-fs.js";
import { isVolumeFull, unmountAllUnder, type VolumeOwner } from "./workspace-volume.js";

export interface LocalLogger {
  warn(obj: object, msg: string): void;
}

export interface LocalSandboxInit {
  id: string;
  /** The host dir holding runner/ and .owner (and workspace/ without a session). */
  dir: string;
  /** The host dir that is the workspace: `<dir>/workspace`, or a session's (never removed here). */
  workspaceDir: string;
  /** Scratch file on the workspace's filesystem whose mtime reads that filesystem's clock. */
  stagedMarker: string;
  /** The baseline for readChangedFiles() until the first writeFiles() (a session's earlier turns). */
  snapshot?: WorkspaceSnapshot | undefined;
  isolation: LocalIsolation;
  /** The node binary as processes of the sandbox see it. */
  nodePath: string;
  notices: readonly string[];
  env: Readonly<Record<string, string>>;
  limits: SandboxLimits;
  logger?: LocalLogger | undefined;
  /** Host dir bound read-only at SANDBOX_HOST_DIR (bwrap); without isolation, seen as it is. */
  hostSocketDir?: string;
  cgroup?: SandboxCgroup;
  /** The mounted workspace image that enforces the disk limit. */
  volume?: { mountDir: string; sizeMb: number };
  /** Something is mounted under `dir` (the image, a session's workspace): unmount before removal. */
  mounted?: boolean;
  /** The host dir bwrap binds as the workspace, when not workspaceDir. */
  bindDir?: string;
  /** Who must own what we stage into the workspace (the sandbox user); bwrap only. */
  owner?: VolumeOwner;
  /** Lets go of a session's workspace once nothing of this sandbox is mounted on it. */
  released?: () => Promise<void>;
  /** The server's runner snapshot: a cold runner starts from it when it is ready and intact. */
  runnerSnapshots?: RunnerSnapshots;
}

/** Past the run's timeout plus this grace, the sandbox destroys itself (a dead-man switch). */
const DEAD_MAN_GRACE_MS = 60_000;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Error text without the server's directories: as the sandbox sees the paths under bwrap, and
 * relative to the workspace when unisolated (where the sandbox sees the host's own temp dirs).
 */
function inSandboxTerms(text: string, roots: readonly PathRoot[]): string {
  let out = text;
  for (const root of roots) {
    out =
      root.sandbox === root.host
        ? out.split(`${root.host}/`).join("").split(root.host).join(".")
        : out.split(root.host).join(root.sandbox);
  }
  return out;
}

export class LocalSandbox implements Sandbox {
  readonly provider: SandboxProviderName = "local";
  readonly id: string;
  readonly workspacePath: string;
  readonly runnerDir: string;
  readonly nodePath: string;
  readonly notices: readonly string[];
  readonly hostDir: string;
  readonly hostSocketDir: string | undefined;
  readonly hostSocketDirInside: string | undefined;
  private currentState: SandboxState = "ready";
  private readonly roots: readonly PathRoot[];
  private readonly processes = new Set<GroupProcess>();
  private snapshot: WorkspaceSnapshot = EMPTY_SNAPSHOT;
  private destroying: Promise<void> | undefined;
  private deadMan: NodeJS.Timeout | undefined;

  constructor(private readonly init: LocalSandboxInit) {
    this.id = init.id;
    this.hostDir = init.dir;
    this.hostSocketDir = init.hostSocketDir;
    // Without isolation the runner sees the host's filesystem: the socket dir at its host path.
    this.hostSocketDirInside = init.isolation.kind === "bwrap" ? undefined : init.hostSocketDir;
    this.nodePath = init.nodePath;
    this.notices = init.notices;
    const hostWorkspace = init.workspaceDir;
    const hostRunner = posix.join(init.dir, "runner");
    const bwrap = init.isolation.kind === "bwrap";
    this.workspacePath = bwrap ? SANDBOX_WORKSPACE : hostWorkspace;
    this.runnerDir = bwrap ? SANDBOX_RUNNER_DIR : hostRunner;
    this.roots = [
      { sandbox: this.workspacePath, host: hostWorkspace },
      { sandbox: this.runnerDir, host: hostRunner },
    ];
    if (init.snapshot) this.snapshot = init.snapshot;
    const timeout = init.limits.timeoutMs;
    if (Number.isFinite(timeout) && timeout > 0) {
      this.deadMan = setTimeout(() => this.expire(), timeout + DEAD_MAN_GRACE_MS);
      this.deadMan.unref();
    }
  }

  get state(): SandboxState {
    return this.currentState;
  }

  private get hostWorkspace(): string {
    return this.init.workspaceDir;
  }

  private assertUsable(): void {
    if (this.destroying) {
      throw new SandboxError("SANDBOX_DESTROYED", `sandbox ${this.id} has been destroyed`);
    }
  }

  private expire(): void {
    this.init.logger?.warn(
      { sandboxId: this.id },
      "local sandbox outlived its run timeout; destroying it",
    );
    void this.destroy().then(() => {
      this.currentState = "failed";
    });
  }

  async checkHealth(signal: AbortSignal): Promise<boolean> {
    if (this.destroying || this.currentState === "failed" || signal.aborted) return false;
    try {
      return (await stat(this.hostWorkspace)).isDirectory();
    } catch {
      return false;
    }
  }

  async writeFiles(files: readonly StagedFile[], signal: AbortSignal): Promise<void> {
    this.assertUsable();
    signal.throwIfAborted();
    const targets = files.map((file) => {
      const target = mapSandboxPath(file.path, this.roots);
      if (!target) {
        throw new SandboxError(
          "SANDBOX_IO_FAILED",
          `refusing to write ${file.path}: not under ${this.workspacePath} or ${this.runnerDir}`,
        );
      }
      return { ...target, file };
    });
    try {
      for (const { root, rel, file } of targets) {
        signal.throwIfAborted();
        // Never setuid/setgid/sticky. Workspace files go to the sandbox user (the agent may edit
        // them); the runner's stay the server's.
        const owner = root.host === this.hostWorkspace ? this.init.owner : undefined;
        await writeFileSafely(root.host, rel, file.content, (file.mode ?? 0o644) & 0o777, owner);
      }
      this.snapshot = await takeSnapshot(this.hostWorkspace, this.init.stagedMarker, { signal });
    } catch (error) {
      if (signal.aborted && error === signal.reason) throw error;
      throw new SandboxError(
        "SANDBOX_IO_FAILED",
        `cannot stage files: ${inSandboxTerms(errorMessage(error), this.roots)}`,
        {
          cause: error,
        },
      );
    }
  }

  async spawn(options: SpawnOptions): Promise<SandboxProcess> {
    this.assertUsable();
    options.signal.throwIfAborted();
    const launch = this.withRunnerSnapshot(options.command);
    const proc = await startSandboxProcess({
      isolation: launch.isolation,
      hostDir: this.hostDir,
      workspaceHostDir: this.init.bindDir ?? this.hostWorkspace,
      limits: this.init.limits,
      cwd: options.cwd ?? this.workspacePath,
      env: buildSandboxEnv(this.nodePath, this.workspacePath, this.init.env, options.env),
      command: launch.command,
      stdin: options.stdin === true,
    });
    if (this.destroying) {
      await proc.kill();
      throw new SandboxError("SANDBOX_DESTROYED", `sandbox ${this.id} has been destroyed`);
    }
    this.processes.add(proc);
    if (this.currentState === "ready") this.currentState = "running";
    const onAbort = () => void proc.kill();
    options.signal.addEventListener("abort", onAbort, { once: true });
    if (options.signal.aborted) onAbort();
    void proc.wait().finally(() => {
      options.signal.removeEventListener("abort", onAbort);
      this.processes.delete(proc);
    });
    return {
      stdout: proc.stdout,
      stderr: proc.stderr,
      ...(proc.stdin ? { stdin: proc.stdin } : {}),
      wait: () => proc.wait(),
      kill: () => proc.kill(),
    };
  }

  /** A cold runner's launch with the runner snapshot, when one is ready; else as asked. */
  private withRunnerSnapshot(command: readonly string[]) {
    const isolation = this.init.isolation;
    const blob = this.init.runnerSnapshots?.current();
    const runner = {
      nodePath: this.nodePath,
      runnerPath: posix.join(this.runnerDir, "runner.mjs"),
    };
    if (!blob) return { isolation, command };
    if (isolation.kind === "none") {
      return { isolation, command: withRunnerSnapshot(command, runner, blob) ?? command };
    }
    const withBlob = withRunnerSnapshot(command, runner, SANDBOX_RUNNER_SNAPSHOT);
    if (!withBlob) return { isolation, command };
    // Bound read-only, like the runner dir: the sandbox can read the blob, never change it.
    const bind = { host: blob, sandbox: SANDBOX_RUNNER_SNAPSHOT, writable: false };
    return {
      isolation: { ...isolation, templateBinds: [...(isolation.templateBinds ?? []), bind] },
      command: withBlob,
    };
  }

  async readChangedFiles(limits: ChangedFilesLimits, signal: AbortSignal): Promise<ChangedFiles> {
    this.assertUsable();
    signal.throwIfAborted();
    try {
      return await collectChangedFiles(this.hostWorkspace, this.snapshot, limits, signal);
    } catch (error) {
      if (signal.aborted && error === signal.reason) throw error;
      throw new SandboxError(
        "SANDBOX_IO_FAILED",
        `cannot read changed files: ${inSandboxTerms(errorMessage(error), this.roots)}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * The limits this sandbox ran into so far (memory, process count, disk), one sentence each:
   * the run relays them as `warning` events with code SANDBOX_LIMIT_EXCEEDED. Never throws.
   */
  async limitWarnings(): Promise<string[]> {
    const hits = (await this.init.cgroup?.limitsHit().catch(() => [])) ?? [];
    const volume = this.init.volume;
    if (volume && (await isVolumeFull(volume.mountDir))) {
      hits.push(
        `the sandbox filled its workspace disk limit (${volume.sizeMb} MB): writes failed with ENOSPC`,
      );
    }
    return hits;
  }

  destroy(): Promise<void> {
    this.destroying ??= this.doDestroy();
    return this.destroying;
  }

  private async doDestroy(): Promise<void> {
    if (this.deadMan) clearTimeout(this.deadMan);
    const step = async (what: string, action: () => Promise<void> | undefined) => {
      try {
        await action();
      } catch (error) {
        this.init.logger?.warn({ err: error, dir: this.hostDir }, `local sandbox: cannot ${what}`);
      }
    };
    await Promise.allSettled([...this.processes].map((proc) => proc.kill()));
    // The cgroup catches what escaped the process tree (reparented, double-forked).
    await step("remove its cgroup", () => this.init.cgroup?.remove());
    // Never remove through a live mount: a session's workspace bound here would go with it.
    const unmounted = this.init.mounted
      ? await unmountAllUnder(this.hostDir).then(
          () => true,
          (error: unknown) => {
            this.init.logger?.warn(
              { err: error, dir: this.hostDir },
              "local sandbox: cannot unmount",
            );
            return false;
          },
        )
      : true;
    if (unmounted) await step("remove its dir", () => removeOwnedDir(this.hostDir));
    await step("release its session workspace", () => this.init.released?.());
    this.currentState = "stopped";
  }
}
