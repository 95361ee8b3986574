// The "local" SandboxProvider: sandboxes are host dirs, isolated with bubblewrap when possible;
// a session's workspace is a persistent dir under workspacesDir, bound into each turn's sandbox.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { posix } from "node:path";
import { runnerBundlePath } from "../../run/runner-bundle.js";
import {
  createRunnerSnapshots,
  type RunnerSnapshots,
} from "../../runner-snapshot/runner-snapshot.js";
import type {
  CreateSandboxOptions,
  Sandbox,
  SandboxProvider,
  SessionWorkspace,
} from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { type BwrapStatus, checkBwrap } from "./bwrap-host.js";
import { type BwrapSetup, setupBwrapSandbox, workspaceOwner } from "./bwrap-setup.js";
import { type CgroupHost, prepareCgroups } from "./cgroups.js";
import { type LocalLogger, LocalSandbox } from "./local-sandbox.js";
import { buildSandboxEnv, type LocalIsolation } from "./local-spawn.js";
import { cgroupTagOf, sweepOrphanCgroups } from "./orphan-cgroups.js";
import { removeOwnedDir, SANDBOX_DIR_PREFIX, sweepOrphanDirs, writeOwnerFile } from "./orphans.js";
import { assertReachable, type HostUser, sandboxUserFor } from "./sandbox-user.js";
import { attachTemplate, type LocalTemplateMount, templateEnv } from "./template-mount.js";
import { DEFAULT_WORKSPACES_DIRNAME } from "./workspace-dirs.js";
import { unmountAllUnder } from "./workspace-volume.js";
import { localWorkspaces, type SessionMount } from "./workspaces.js";

export interface LocalProviderSettings {
  /** "auto": bwrap when it works, else unisolated with a notice; "bwrap": required; "none": never. */
  isolation: "auto" | "bwrap" | "none";
  /** Where sandbox dirs are created. Default: os.tmpdir(). */
  baseDir?: string;
  /**
   * Where session workspaces live (one dir each; the orphan sweep never touches them). Default:
   * `<baseDir>/sandcaster-workspaces`, i.e. under os.tmpdir() unless baseDir is set: point it at
   * persistent storage for sessions to survive a reboot.
   */
  workspacesDir?: string;
  /** Default: `bwrap` on PATH. */
  bwrapPath?: string;
  /** Host node binary. Default: process.execPath. */
  nodePath?: string;
  /** Host user bwrap runs as when the server is root (name or uid). Default: `nobody`. */
  sandboxUser?: string;
  /** Disk limit of a run's workspace, in MB (enforced when the server is root). Default 4096. */
  diskMb?: number;
  /** Where cgroup hierarchies are mounted (tests). Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  logger?: LocalLogger;
  /** A local template every sandbox of this provider mounts (bwrap only; see template-mount.ts). */
  template?: LocalTemplateMount;
  /**
   * Cold runs start from a V8 startup snapshot of the runner (runner-snapshot/), built in the
   * background on the first sandbox, in a dir of this server under baseDir (reachable by the
   * sandbox user like the sandboxes' own; the orphan sweep removes it once the server is gone).
   * Default false.
   */
  runnerSnapshot?: boolean;
}

export interface LocalSandboxProvider extends SandboxProvider {
  readonly name: "local";
  /** The runner snapshot, with runnerSnapshot set (its build can be awaited: settled()). */
  readonly runnerSnapshots?: RunnerSnapshots;
  sweepOrphans(signal?: AbortSignal): Promise<number>;
  /** The server is going: removes what this provider keeps for itself (the runner snapshot). */
  close(): Promise<void>;
  /** A new empty dir under workspacesDir. */
  createWorkspace(sessionId: string, signal: AbortSignal): Promise<SessionWorkspace>;
  /** Destroys live sandboxes of this provider on it, then removes the dir; refs outside refused. */
  deleteWorkspace(workspace: SessionWorkspace, signal: AbortSignal): Promise<void>;
  exportWorkspace(
    workspace: SessionWorkspace,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
  /** Refused while a sandbox uses the workspace. */
  importWorkspace(
    workspace: SessionWorkspace,
    archive: ReadableStream<Uint8Array>,
    signal: AbortSignal,
  ): Promise<void>;
}

export const BWRAP_HINT = "apt-get install bubblewrap";
export const DEFAULT_DISK_MB = 4096;

function unisolatedNotice(reason: string): string {
  return (
    `WARNING: this run is NOT isolated (${reason}). The agent runs directly on the server host ` +
    "as the server's user and can read and change anything that user can. " +
    `Install bubblewrap (${BWRAP_HINT}) or use the docker provider.`
  );
}

function dirSafe(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "run";
}

/** Undoes a half-made sandbox: its cgroup, its mounts, its dir (never through a live mount). */
async function undoCreate(dir: string, setup: Partial<BwrapSetup>): Promise<void> {
  await setup.cgroup?.remove().catch(() => undefined);
  if (setup.mounted) {
    const unmounted = await unmountAllUnder(dir).then(
      () => true,
      () => false,
    );
    if (!unmounted) return;
  }
  await removeOwnedDir(dir).catch(() => undefined);
}

export function createLocalProvider(settings: LocalProviderSettings): LocalSandboxProvider {
  const baseDir = posix.resolve(settings.baseDir ?? tmpdir());
  const workspacesDir = posix.resolve(
    settings.workspacesDir ?? posix.join(baseDir, DEFAULT_WORKSPACES_DIRNAME),
  );
  const hostNodePath = settings.nodePath ?? process.execPath;
  const diskMb = settings.diskMb ?? DEFAULT_DISK_MB;
  const logger = settings.logger;
  const cgroupTag = cgroupTagOf(baseDir);
  let bwrapStatus: Promise<BwrapStatus> | undefined;
  let cgroups: Promise<{ host: CgroupHost } | { reason: string }> | undefined;
  let sandboxUser: Promise<HostUser | undefined> | undefined;
  const warnedOnce = new Set<string>();
  const runnerSnapshots = settings.runnerSnapshot
    ? createRunnerSnapshots({
        dir: posix.join(
          baseDir,
          `${SANDBOX_DIR_PREFIX}runner-snapshot-${randomBytes(6).toString("hex")}`,
        ),
        onDir: writeOwnerFile,
        runnerPath: runnerBundlePath(),
        nodePath: hostNodePath,
        ...(logger ? { logger } : {}),
      })
    : undefined;

  const user = () => {
    sandboxUser ??= sandboxUserFor(settings.sandboxUser);
    return sandboxUser;
  };
  const workspaces = localWorkspaces(workspacesDir, user, diskMb);
  const cgroupHost = () => {
    cgroups ??= prepareCgroups(settings.cgroupRoot).catch((error: unknown) => ({
      reason: String(error),
    }));
    return cgroups;
  };

  /** Checked once, lazily, by actually running bwrap (as the sandbox user when we are root). */
  function bwrap(): Promise<BwrapStatus> {
    bwrapStatus ??= user()
      .then((u) => checkBwrap(settings.bwrapPath, hostNodePath, u))
      .catch((error: unknown): BwrapStatus => ({ ok: false, reason: String(error) }));
    return bwrapStatus;
  }

  async function choose(): Promise<{ status: BwrapStatus & { ok: true } } | { reason: string }> {
    if (settings.isolation === "none") return { reason: 'local.isolation is "none"' };
    const status = await bwrap();
    if (status.ok) return { status };
    if (settings.isolation === "bwrap") {
      throw new SandboxError(
        "SANDBOX_UNAVAILABLE",
        `local sandbox requires bubblewrap: ${status.reason}`,
        { hint: BWRAP_HINT },
      );
    }
    return { reason: status.reason };
  }

  /** Each notice also goes to the log, once per server (every run still gets its warning event). */
  function logOnce(notice: string, obj: object): void {
    if (warnedOnce.has(notice)) return;
    warnedOnce.add(notice);
    logger?.warn(obj, notice);
  }

  async function create(options: CreateSandboxOptions): Promise<Sandbox> {
    options.signal.throwIfAborted();
    const choice = await choose();
    if (settings.template && !("status" in choice)) {
      throw new SandboxError(
        "SANDBOX_UNAVAILABLE",
        `a local template needs bubblewrap isolation: ${choice.reason}`,
        { hint: BWRAP_HINT },
      );
    }
    options.signal.throwIfAborted();
    let dir: string | undefined;
    const setup: Partial<BwrapSetup> = {};
    let session: SessionMount | undefined;
    try {
      session = options.workspace
        ? await workspaces.mount(options.workspace, options.signal)
        : undefined;
      await mkdir(baseDir, { recursive: true });
      dir = await mkdtemp(posix.join(baseDir, `${SANDBOX_DIR_PREFIX}${dirSafe(options.runId)}-`));
      await writeOwnerFile(dir);
      const workspaceDir = session?.dir ?? posix.join(dir, "workspace");
      if (!session) await mkdir(workspaceDir, { mode: 0o755 });
      await mkdir(posix.join(dir, "runner"), { mode: 0o755 });
      let isolation: LocalIsolation;
      let nodePath: string;
      const env: Record<string, string> = {};
      const notices: string[] = [];
      if ("status" in choice) {
        // The sandbox user walks through to runner/, etc/ and sock/ (no listing).
        if (choice.status.user) {
          await chmod(dir, 0o711);
          await assertReachable(dir, choice.status.user.user);
        }
        const done = await setupBwrapSandbox(
          {
            dir,
            status: choice.status,
            workspaceDir,
            session: session !== undefined,
            sessionCapped: session?.capped === true,
            limits: options.limits,
            diskMb,
            cgroups: await cgroupHost(),
            cgroupName: `${posix.basename(dir)}.${cgroupTag}`,
          },
          setup,
        );
        isolation = done.isolation;
        nodePath = choice.status.nodePath;
        if (settings.template) {
          done.isolation.templateBinds = await attachTemplate(
            settings.template,
            dir,
            choice.status,
            setup,
          );
          const basePath = buildSandboxEnv(nodePath, "/").PATH ?? "";
          Object.assign(env, templateEnv(basePath, settings.template.env));
        }
        notices.push(...done.notices);
      } else {
        isolation = { kind: "none" };
        nodePath = hostNodePath;
        // The model gateway's socket goes here too (the runner reaches it at this host path).
        setup.hostSocketDir = posix.join(dir, "sock");
        await mkdir(setup.hostSocketDir, { mode: 0o755 });
        notices.push(unisolatedNotice(choice.reason));
      }
      for (const notice of notices) logOnce(notice, { runId: options.runId });
      options.signal.throwIfAborted();
      const sandbox = new LocalSandbox({
        id: posix.basename(dir),
        dir,
        workspaceDir,
        stagedMarker: session?.stagedMarker ?? posix.join(dir, ".staged"),
        snapshot: session?.snapshot,
        isolation,
        nodePath,
        notices,
        env: { ...env, ...options.env },
        limits: options.limits,
        logger,
        ...(setup.hostSocketDir ? { hostSocketDir: setup.hostSocketDir } : {}),
        ...(setup.cgroup ? { cgroup: setup.cgroup } : {}),
        ...(setup.volume ? { volume: setup.volume } : {}),
        ...(setup.mounted ? { mounted: true } : {}),
        ...(setup.bindDir ? { bindDir: setup.bindDir } : {}),
        ...("status" in choice ? { owner: workspaceOwner(choice.status) } : {}),
        ...(session ? { released: session.release } : {}),
        ...(runnerSnapshots ? { runnerSnapshots } : {}),
      });
      // In the background: the first runs go without it, never waiting for it.
      runnerSnapshots?.start();
      if (session) workspaces.track(session.dir, sandbox);
      return sandbox;
    } catch (error) {
      if (dir) await undoCreate(dir, setup);
      await session?.release().catch(() => undefined);
      if (options.signal.aborted && error === options.signal.reason) throw error;
      if (SandboxError.isInstance(error)) throw error;
      throw new SandboxError(
        "SANDBOX_CREATE_FAILED",
        `cannot create local sandbox: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  async function sweepOrphans(signal?: AbortSignal): Promise<number> {
    // Only `sandcaster-local-*` dirs of dead servers: workspaces are named otherwise.
    const removed = await sweepOrphanDirs(baseDir, {
      spare: [workspacesDir],
      ...(signal ? { signal } : {}),
      ...(logger ? { logger } : {}),
    });
    const host = await cgroupHost();
    if ("host" in host) await sweepOrphanCgroups(host.host, baseDir, cgroupTag, logger);
    return removed;
  }

  return {
    name: "local",
    ...(runnerSnapshots ? { runnerSnapshots } : {}),
    async isAvailable() {
      if (settings.isolation !== "bwrap") return true;
      try {
        return (await bwrap()).ok;
      } catch {
        return false;
      }
    },
    create,
    sweepOrphans,
    close: async () => {
      await runnerSnapshots?.close();
    },
    createWorkspace: workspaces.createWorkspace,
    deleteWorkspace: workspaces.deleteWorkspace,
    exportWorkspace: workspaces.exportWorkspace,
    importWorkspace: workspaces.importWorkspace,
  };
}
