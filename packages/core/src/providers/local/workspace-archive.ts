// Export and import of a local session workspace directory as a tar archive, streamed.
//
// Both run on the host as the server user, on a tree a sandbox wrote: nothing here follows a
// symlink (walks use lstat, opens O_NOFOLLOW), and symlinks are not exported (the archive holds
// regular files and directories only). File contents stream through; none is held in memory.
import { constants, type Dirent } from "node:fs";
import { lstat, mkdir, open, readdir } from "node:fs/promises";
import { posix } from "node:path";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { packWorkspace } from "../workspace-pack.js";
import { stageWorkspaceTar } from "../workspace-stage.js";
import type { WorkspaceEntry } from "../workspace-tar.js";
import { SANDBOX_GID, SANDBOX_UID } from "./bwrap-args.js";
import { removeTree } from "./sandbox-fs.js";

const owner = { uid: SANDBOX_UID, gid: SANDBOX_GID };
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/** Failures name workspace-relative paths only: the host's directories are not the client's. */
function ioError(action: string, error: unknown, dir: string): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SandboxError(
    "SANDBOX_IO_FAILED",
    `cannot ${action}: ${message.split(`${dir}/`).join("").split(dir).join(".")}`,
    { cause: error },
  );
}

/** Directories and regular files under `root` (names and sizes), depth first, sorted by path. */
async function walk(root: string, signal: AbortSignal): Promise<WorkspaceEntry[]> {
  const entries: WorkspaceEntry[] = [];
  const visit = async (rel: string): Promise<void> => {
    signal.throwIfAborted();
    const children: Dirent[] = await readdir(rel ? posix.join(root, rel) : root, {
      withFileTypes: true,
    });
    for (const child of children) {
      const childRel = rel ? `${rel}/${child.name}` : child.name;
      const stat = await lstat(posix.join(root, childRel)).catch(() => undefined);
      if (!stat) continue;
      const base = { path: childRel, mode: stat.mode & 0o777, mtime: stat.mtime };
      if (stat.isDirectory()) {
        entries.push({ ...base, type: "directory", size: 0 });
        await visit(childRel);
      } else if (stat.isFile()) {
        entries.push({ ...base, type: "file", size: stat.size });
      }
    }
  };
  await visit("");
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The workspace as a tar stream. The tree is listed first (an unreadable workspace fails here,
 * before any byte is sent); each file is then opened without following links and streamed at
 * its size when opened (a file swapped for a symlink meanwhile is left out).
 */
export async function exportWorkspaceDir(
  dir: string,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  let entries: WorkspaceEntry[];
  try {
    entries = await walk(dir, signal);
  } catch (error) {
    if (signal.aborted && error === signal.reason) throw error;
    throw ioError("export the session workspace", error, dir);
  }
  return packWorkspace(
    owner,
    async (packer, stop) => {
      for (const entry of entries) {
        stop.throwIfAborted();
        if (entry.type === "directory") {
          await packer.directory(entry);
          continue;
        }
        const handle = await open(posix.join(dir, entry.path), READ_FLAGS).catch(
          (error: NodeJS.ErrnoException) => {
            if (error.code === "ELOOP" || error.code === "ENOENT") return undefined;
            throw ioError("export the session workspace", error, dir);
          },
        );
        if (!handle) continue;
        try {
          const stat = await handle.stat();
          if (!stat.isFile()) continue;
          const body: AsyncIterable<Uint8Array> =
            stat.size === 0
              ? (async function* () {})()
              : handle.createReadStream({ start: 0, end: stat.size - 1, autoClose: false });
          await packer.file({ ...entry, size: stat.size }, body);
        } finally {
          await handle.close();
        }
      }
    },
    signal,
  );
}

/** Validates the whole archive first: a refused archive leaves the workspace untouched. */
export async function importWorkspaceDir(
  dir: string,
  archive: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<void> {
  let staged: Awaited<ReturnType<typeof stageWorkspaceTar>>;
  try {
    staged = await stageWorkspaceTar(archive, signal);
  } catch (error) {
    if (signal.aborted && error === signal.reason) throw error;
    throw ioError("read the workspace archive", error, dir);
  }
  try {
    signal.throwIfAborted();
    for (const name of await readdir(dir)) await removeTree(posix.join(dir, name));
    // Sorted by path: every directory exists before anything inside it. No sandbox uses the
    // workspace now (the caller checked), so these fresh directories hold no planted symlink.
    for (const entry of staged.entries) {
      if (entry.type === "directory") await mkdir(posix.join(dir, entry.path), { mode: 0o700 });
    }
    await staged.forEachFile(async (entry, body) => {
      signal.throwIfAborted();
      const handle = await open(posix.join(dir, entry.path), WRITE_FLAGS, entry.mode);
      try {
        for await (const chunk of body) await handle.write(chunk as Uint8Array);
        await handle.chmod(entry.mode);
        if (entry.mtime) await handle.utimes(entry.mtime, entry.mtime);
      } finally {
        await handle.close();
      }
    });
    // Directory modes and times last: writing their children changed them.
    for (const entry of [...staged.entries].reverse()) {
      if (entry.type !== "directory") continue;
      const handle = await open(posix.join(dir, entry.path), READ_FLAGS | constants.O_DIRECTORY);
      try {
        await handle.chmod(entry.mode);
        if (entry.mtime) await handle.utimes(entry.mtime, entry.mtime);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    if (signal.aborted && error === signal.reason) throw error;
    throw ioError("import into the session workspace", error, dir);
  } finally {
    await staged.dispose();
  }
}
