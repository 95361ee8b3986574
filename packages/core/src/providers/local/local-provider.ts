// The "local" SandboxProvider: sandboxes are host dirs, isolated with bubblewrap when possible;
// a session's workspace is a persistent dir under workspacesDir, bound into each turn's sandbox.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { posix } from "node:path";
import type {
  CreateSandboxOptions,
  Sandbox,
  SandboxProvider,
  SessionWorkspace,
} from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { SANDBOX_GID, SANDBOX_UID, SANDBOX_WORKSPACE } from "./bwrap-args.js";
import { type BwrapStatus, checkBwrap } from "./bwrap-host.js";
import { type LocalLogger, LocalSandbox } from "./local-sandbox.js";
import type { LocalIsolation } from "./local-spawn.js";
import { SANDBOX_DIR_PREFIX, sweepOrphanDirs, writeOwnerFile } from "./orphans.js";
import { removeTree } from "./sandbox-fs.js";
import { DEFAULT_WORKSPACES_DIRNAME } from "./workspace-dirs.js";
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
  logger?: LocalLogger;
}

export interface LocalSandboxProvider extends SandboxProvider {
  readonly name: "local";
  sweepOrphans(signal?: AbortSignal): Promise<number>;
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
const LIMITS_WARNING =
  "local sandbox provider: memory, CPU and process-count limits are not enforced (no cgroups)";

function unisolatedNotice(reason: string): string {
  return (
    `WARNING: this run is NOT isolated (${reason}). The agent runs directly on the server host ` +
    "as the server's user and can read and change anything that user can. " +
    `Install bubblewrap (${BWRAP_HINT}) or use the docker provider.`
  );
}

const PASSWD = `root:x:0:0:root:/nonexistent:/usr/sbin/nologin
sandcaster:x:${SANDBOX_UID}:${SANDBOX_GID}:sandcaster:${SANDBOX_WORKSPACE}:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;
const GROUP = `root:x:0:
sandcaster:x:${SANDBOX_GID}:
nogroup:x:65534:
`;

function dirSafe(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "run";
}

export function createLocalProvider(settings: LocalProviderSettings): LocalSandboxProvider {
  const baseDir = settings.baseDir ?? tmpdir();
  const workspacesDir = posix.resolve(
    settings.workspacesDir ?? posix.join(baseDir, DEFAULT_WORKSPACES_DIRNAME),
  );
  const workspaces = localWorkspaces(workspacesDir);
  const hostNodePath = settings.nodePath ?? process.execPath;
  const logger = settings.logger;
  let bwrapStatus: Promise<BwrapStatus> | undefined;
  let limitsWarned = false;

  /** Checked once, lazily, by actually running bwrap. */
  function bwrap(): Promise<BwrapStatus> {
    bwrapStatus ??= checkBwrap(settings.bwrapPath, hostNodePath).catch(
      (error: unknown): BwrapStatus => ({ ok: false, reason: String(error) }),
    );
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

  async function create(options: CreateSandboxOptions): Promise<Sandbox> {
    options.signal.throwIfAborted();
    const choice = await choose();
    options.signal.throwIfAborted();
    let dir: string | undefined;
    try {
      const session: SessionMount | undefined = options.workspace
        ? await workspaces.mount(options.workspace, options.signal)
        : undefined;
      await mkdir(baseDir, { recursive: true });
      dir = await mkdtemp(posix.join(baseDir, `${SANDBOX_DIR_PREFIX}${dirSafe(options.runId)}-`));
      await writeOwnerFile(dir);
      if (!session) await mkdir(posix.join(dir, "workspace"), { mode: 0o755 });
      await mkdir(posix.join(dir, "runner"), { mode: 0o755 });
      let isolation: LocalIsolation;
      let nodePath: string;
      const notices: string[] = [];
      if ("status" in choice) {
        const passwdFile = posix.join(dir, "etc", "passwd");
        const groupFile = posix.join(dir, "etc", "group");
        await mkdir(posix.join(dir, "etc"), { mode: 0o755 });
        await writeFile(passwdFile, PASSWD, { mode: 0o644 });
        await writeFile(groupFile, GROUP, { mode: 0o644 });
        const { bwrapPath, layout, nodeBind } = choice.status;
        isolation = { kind: "bwrap", bwrapPath, layout, nodeBind, passwdFile, groupFile };
        nodePath = choice.status.nodePath;
      } else {
        isolation = { kind: "none" };
        nodePath = hostNodePath;
        const notice = unisolatedNotice(choice.reason);
        notices.push(notice);
        logger?.warn({ runId: options.runId, reason: choice.reason }, notice);
      }
      if (!limitsWarned) {
        limitsWarned = true;
        logger?.warn({ limits: options.limits }, LIMITS_WARNING);
      }
      options.signal.throwIfAborted();
      const sandbox = new LocalSandbox({
        id: posix.basename(dir),
        dir,
        workspaceDir: session?.dir ?? posix.join(dir, "workspace"),
        stagedMarker: session?.stagedMarker ?? posix.join(dir, ".staged"),
        snapshot: session?.snapshot,
        isolation,
        nodePath,
        notices,
        env: { ...options.env },
        limits: options.limits,
        logger,
      });
      if (session) workspaces.track(session.dir, sandbox);
      return sandbox;
    } catch (error) {
      if (dir) await removeTree(dir).catch(() => undefined);
      if (options.signal.aborted && error === options.signal.reason) throw error;
      if (SandboxError.isInstance(error)) throw error;
      throw new SandboxError(
        "SANDBOX_CREATE_FAILED",
        `cannot create local sandbox: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  return {
    name: "local",
    async isAvailable() {
      if (settings.isolation !== "bwrap") return true;
      try {
        return (await bwrap()).ok;
      } catch {
        return false;
      }
    },
    create,
    // Only `sandcaster-local-*` dirs of dead servers: workspaces are named otherwise.
    sweepOrphans: (signal?: AbortSignal) =>
      sweepOrphanDirs(posix.resolve(baseDir), {
        spare: [workspacesDir],
        ...(signal ? { signal } : {}),
        ...(logger ? { logger } : {}),
      }),
    createWorkspace: workspaces.createWorkspace,
    deleteWorkspace: workspaces.deleteWorkspace,
    exportWorkspace: workspaces.exportWorkspace,
    importWorkspace: workspaces.importWorkspace,
  };
}
