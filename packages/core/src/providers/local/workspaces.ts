// The local provider's session workspace operations, and which live sandboxes use which workspace.
import { posix } from "node:path";
import type { Sandbox, SessionWorkspace } from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { releasedAtEnd } from "../../session/released-at-end.js";
import { takeSnapshot, type WorkspaceSnapshot } from "./changed-files.js";
import { chownTree } from "./sandbox-fs.js";
import type { HostUser } from "./sandbox-user.js";
import { exportWorkspaceDir, importWorkspaceDir } from "./workspace-archive.js";
import {
  assertWorkspaceDir,
  CLOCK_FILE,
  createWorkspaceDir,
  deleteWorkspaceDir,
  workspaceDirOf,
} from "./workspace-dirs.js";
import { workspaceHolds } from "./workspace-holds.js";

/** What create() needs to run a sandbox on a session's workspace. */
export interface SessionMount {
  dir: string;
  stagedMarker: string;
  /** The files earlier turns left: not changes of this turn. */
  snapshot: WorkspaceSnapshot;
  /** The workspace is its own size-capped filesystem (see workspace-image.ts) for this turn. */
  capped: boolean;
  /** The turn is over with the workspace (after its sandbox unmounted its bind of it). */
  release(): Promise<void>;
}

export interface LocalWorkspaces {
  createWorkspace(sessionId: string, signal: AbortSignal): Promise<SessionWorkspace>;
  deleteWorkspace(workspace: SessionWorkspace, signal: AbortSignal): Promise<void>;
  exportWorkspace(
    workspace: SessionWorkspace,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
  importWorkspace(
    workspace: SessionWorkspace,
    archive: ReadableStream<Uint8Array>,
    signal: AbortSignal,
  ): Promise<void>;
  /** Checks the ref and snapshots the workspace for a new sandbox. */
  mount(workspace: SessionWorkspace, signal: AbortSignal): Promise<SessionMount>;
  /** Remembers that `sandbox` uses the workspace dir, until it is destroyed. */
  track(dir: string, sandbox: Sandbox): void;
}

const gone = (sandbox: Sandbox) => sandbox.state === "stopped" || sandbox.state === "failed";

/**
 * `sandboxUser`: who runs the sandboxes (a root server's sandbox user), to whom imported files
 * are given: the agent must be able to change them. `diskMb`: each workspace's size cap.
 */
export function localWorkspaces(
  workspacesDir: string,
  sandboxUser: () => Promise<HostUser | undefined> = async () => undefined,
  diskMb?: number,
): LocalWorkspaces {
  const users = new Map<string, Set<Sandbox>>();

  /** Live sandboxes on `dir` (destroyed ones are forgotten on the way). */
  const liveUsers = (dir: string): Sandbox[] => {
    const set = users.get(dir);
    if (!set) return [];
    for (const sandbox of set) if (gone(sandbox)) set.delete(sandbox);
    if (set.size === 0) users.delete(dir);
    return [...set];
  };

  const holds = workspaceHolds();

  const existingDir = async (workspace: SessionWorkspace, code: SandboxError["code"]) => {
    const dir = workspaceDirOf(workspace, workspacesDir, code);
    await assertWorkspaceDir(dir, code);
    return dir;
  };

  /** The workspace's dir with its image mounted (never the bare dir under a capped workspace). */
  const heldDir = async (workspace: SessionWorkspace, code: SandboxError["code"]) => {
    const dir = await existingDir(workspace, code);
    const hold = await holds.hold(dir).catch((error: unknown) => {
      throw new SandboxError(
        code,
        `cannot mount the session workspace's image: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    });
    return { dir, ...hold };
  };

  return {
    createWorkspace: (sessionId, signal) =>
      createWorkspaceDir(workspacesDir, sessionId, diskMb, signal),

    async deleteWorkspace(workspace, signal) {
      signal.throwIfAborted();
      const dir = workspaceDirOf(workspace, workspacesDir, "SANDBOX_IO_FAILED");
      // Like docker removing the containers that use a volume: a deleted session runs no more.
      await Promise.all(liveUsers(dir).map((sandbox) => sandbox.destroy()));
      users.delete(dir);
      holds.forget(dir);
      await deleteWorkspaceDir(dir);
    },

    async exportWorkspace(workspace, signal) {
      signal.throwIfAborted();
      const { dir, release } = await heldDir(workspace, "SANDBOX_IO_FAILED");
      try {
        return releasedAtEnd(await exportWorkspaceDir(dir, signal), release);
      } catch (error) {
        await release();
        throw error;
      }
    },

    async importWorkspace(workspace, tar, signal) {
      signal.throwIfAborted();
      const { dir, release } = await heldDir(workspace, "SANDBOX_IO_FAILED");
      try {
        // A running sandbox could plant symlinks between our checks and our writes.
        if (liveUsers(dir).length > 0) {
          throw new SandboxError(
            "SANDBOX_IO_FAILED",
            "cannot import into the session workspace: a sandbox is using it",
          );
        }
        await importWorkspaceDir(dir, tar, signal);
        const user = await sandboxUser();
        if (user) await chownTree(dir, user);
      } finally {
        await release();
      }
    },

    async mount(workspace, signal) {
      const { dir, capped, release } = await heldDir(workspace, "SANDBOX_CREATE_FAILED");
      try {
        // The marker sits on the workspaces' filesystem: its clock is the one the files get.
        const stagedMarker = posix.join(workspacesDir, CLOCK_FILE);
        const snapshot = await takeSnapshot(dir, stagedMarker, { signal });
        return { dir, stagedMarker, snapshot, capped, release };
      } catch (error) {
        await release();
        throw error;
      }
    },

    track(dir, sandbox) {
      const set = users.get(dir) ?? new Set();
      set.add(sandbox);
      users.set(dir, set);
    },
  };
}
