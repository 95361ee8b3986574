// Export and import of a local session workspace directory as a tar archive.
//
// Both run on the host as the server user, on a tree a sandbox wrote: nothing here follows a
// symlink (walks use lstat, reads O_NOFOLLOW, writes writeFileSafely), and symlinks are not
// exported (the archive holds regular files and directories only).
import { constants, type Dirent } from "node:fs";
import { lstat, lutimes, mkdir, open, readdir } from "node:fs/promises";
import { posix } from "node:path";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { packWorkspaceTar, readWorkspaceTar, type WorkspaceEntry } from "../workspace-tar.js";
import { SANDBOX_GID, SANDBOX_UID } from "./bwrap-args.js";
import { removeTree, writeFileSafely } from "./sandbox-fs.js";

const owner = { uid: SANDBOX_UID, gid: SANDBOX_GID };
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function ioError(action: string, error: unknown): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SandboxError("SANDBOX_IO_FAILED", `cannot ${action}: ${message}`, { cause: error });
}

/** A regular file's bytes, or null when it is no longer one (swapped for a symlink, removed). */
async function readRegular(path: string): Promise<Uint8Array | null> {
  const handle = await open(path, READ_FLAGS).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ELOOP" || error.code === "ENOENT") return null;
    throw error;
  });
  if (!handle) return null;
  try {
    if (!(await handle.stat()).isFile()) return null;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Directories and regular files under `root`, depth first; an unreadable directory fails. */
async function walk(root: string, signal: AbortSignal): Promise<WorkspaceEntry[]> {
  const entries: WorkspaceEntry[] = [];
  const visit = async (rel: string): Promise<void> => {
    signal.throwIfAborted();
    const children: Dirent[] = await readdir(rel ? posix.join(root, rel) : root, {
      withFileTypes: true,
    });
    for (const child of children) {
      const childRel = rel ? `${rel}/${child.name}` : child.name;
      const path = posix.join(root, childRel);
      const stat = await lstat(path).catch(() => undefined);
      if (!stat) continue;
      const base = { path: childRel, mode: stat.mode & 0o777, mtime: stat.mtime };
      if (stat.isDirectory()) {
        entries.push({ ...base, type: "directory" });
        await visit(childRel);
      } else if (stat.isFile()) {
        const content = await readRegular(path);
        if (content) entries.push({ ...base, type: "file", content });
      }
    }
  };
  await visit("");
  return entries;
}

export async function exportWorkspaceDir(dir: string, signal: AbortSignal): Promise<Uint8Array> {
  try {
    const entries = await walk(dir, signal);
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return await packWorkspaceTar(entries, owner);
  } catch (error) {
    if (signal.aborted && error === signal.reason) throw error;
    throw ioError(`export the session workspace ${dir}`, error);
  }
}

/** Validates the whole archive first: a refused archive leaves the workspace untouched. */
export async function importWorkspaceDir(
  dir: string,
  tar: Uint8Array,
  signal: AbortSignal,
): Promise<void> {
  let entries: WorkspaceEntry[];
  try {
    entries = await readWorkspaceTar(tar, { strict: true });
  } catch (error) {
    throw ioError("read the workspace archive", error);
  }
  try {
    signal.throwIfAborted();
    for (const name of await readdir(dir)) await removeTree(posix.join(dir, name));
    // Sorted by path: every directory exists before anything inside it.
    for (const entry of entries) {
      signal.throwIfAborted();
      const path = posix.join(dir, entry.path);
      if (entry.type === "directory") {
        await mkdir(path, { mode: entry.mode });
      } else {
        await writeFileSafely(dir, entry.path, entry.content ?? new Uint8Array(), entry.mode);
        if (entry.mtime) await lutimes(path, entry.mtime, entry.mtime);
      }
    }
    // Directory modes and times last: writing their children changed them.
    for (const entry of [...entries].reverse()) {
      if (entry.type !== "directory") continue;
      const path = posix.join(dir, entry.path);
      const handle = await open(path, READ_FLAGS | constants.O_DIRECTORY);
      try {
        await handle.chmod(entry.mode);
        if (entry.mtime) await handle.utimes(entry.mtime, entry.mtime);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    if (signal.aborted && error === signal.reason) throw error;
    throw ioError(`import into the session workspace ${dir}`, error);
  }
}
