// Session workspaces of the local provider: persistent directories directly under workspacesDir.
//
// A ref is an absolute path and reaches us from outside (the session store), so every operation
// first checks that it names one of our directories: a direct child of workspacesDir with our
// prefix, and a real directory (not a symlink somewhere else).
import { chmod, lstat, mkdir, mkdtemp, unlink } from "node:fs/promises";
import { posix } from "node:path";
import type { SessionWorkspace } from "../../sandbox/sandbox.js";
import { SandboxError, type SandboxErrorCode } from "../../sandbox/sandbox-error.js";
import { removeTree } from "./sandbox-fs.js";
import { capWorkspaceDir, releaseWorkspaceImage } from "./workspace-image.js";

export const WORKSPACE_DIR_PREFIX = "sandcaster-ws-";
/** The default workspacesDir, under baseDir: same filesystem as the per-turn dirs. */
export const DEFAULT_WORKSPACES_DIRNAME = "sandcaster-workspaces";
/**
 * A scratch file in workspacesDir whose mtime reads the clock of the workspaces' filesystem (for
 * the staging snapshot); it is no workspace (no prefix).
 */
export const CLOCK_FILE = ".clock";

const NAME = new RegExp(`^${WORKSPACE_DIR_PREFIX}[A-Za-z0-9_-]+$`);

function safeName(sessionId: string): string {
  return sessionId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "session";
}

/** The directory of a local workspace, when the ref names one directly under `workspacesDir`. */
export function workspaceDirOf(
  workspace: SessionWorkspace,
  workspacesDir: string,
  code: SandboxErrorCode,
): string {
  const ref = workspace.ref;
  const valid =
    workspace.provider === "local" &&
    !ref.includes("\0") &&
    posix.isAbsolute(ref) &&
    posix.normalize(ref) === ref &&
    !ref.endsWith("/") &&
    posix.dirname(ref) === workspacesDir &&
    NAME.test(posix.basename(ref));
  if (!valid) {
    throw new SandboxError(
      code,
      `Refusing workspace ${JSON.stringify(ref)} (${workspace.provider}): local workspaces are directories ${WORKSPACE_DIR_PREFIX}* directly under ${workspacesDir}`,
    );
  }
  return ref;
}

/** Throws unless `dir` is a real directory (a symlink or a missing dir is refused). */
export async function assertWorkspaceDir(dir: string, code: SandboxErrorCode): Promise<void> {
  let isDir = false;
  try {
    isDir = (await lstat(dir)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new SandboxError(code, "The session workspace does not exist", { cause: error });
  }
  if (!isDir) throw new SandboxError(code, "The session workspace is not a directory");
}

/**
 * A new, empty workspace directory (workspacesDir itself is made private to the server user),
 * capped at `sizeMb` by its own image when this host can mount one.
 */
export async function createWorkspaceDir(
  workspacesDir: string,
  sessionId: string,
  sizeMb: number | undefined,
  signal: AbortSignal,
): Promise<SessionWorkspace> {
  signal.throwIfAborted();
  let dir: string | undefined;
  try {
    await mkdir(workspacesDir, { recursive: true, mode: 0o700 });
    dir = await mkdtemp(
      posix.join(workspacesDir, `${WORKSPACE_DIR_PREFIX}${safeName(sessionId)}-`),
    );
    await chmod(dir, 0o755); // as a fresh sandbox's workspace looks
    if (sizeMb !== undefined) await capWorkspaceDir(dir, sizeMb);
    signal.throwIfAborted();
    return { provider: "local", ref: dir };
  } catch (error) {
    if (dir) await deleteWorkspaceDir(dir).catch(() => undefined);
    if (signal.aborted && error === signal.reason) throw error;
    throw new SandboxError(
      "SANDBOX_CREATE_FAILED",
      `cannot create the session workspace: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Removes the workspace directory; gone already is fine. Never follows a symlink. */
export async function deleteWorkspaceDir(dir: string): Promise<void> {
  try {
    const stat = await lstat(dir).catch(() => undefined);
    if (stat?.isSymbolicLink()) await unlink(dir);
    else if (stat) {
      // Through a live mount, removing the tree would only empty the image: unmount it first.
      await releaseWorkspaceImage(dir);
      await removeTree(dir);
    }
  } catch (error) {
    throw new SandboxError(
      "SANDBOX_IO_FAILED",
      `cannot delete the session workspace: ${error instanceof Error ? error.message.split(dir).join("<workspace>") : String(error)}`,
      { cause: error },
    );
  }
}
