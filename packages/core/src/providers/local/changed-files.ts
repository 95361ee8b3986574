// Snapshots the workspace after staging and later reports regular files created or modified since.
import { createHash } from "node:crypto";
import { type BigIntStats, constants, type Dirent } from "node:fs";
import { type FileHandle, lstat, open, readdir, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  ChangedFile,
  ChangedFiles,
  ChangedFilesLimits,
  SkippedFile,
} from "../../sandbox/sandbox.js";

interface FileStamp {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  /** Content hash, kept only when the file was written in the filesystem clock's current tick. */
  sha256?: string;
}

/** The workspace's regular files right after the last writeFiles(). */
export interface WorkspaceSnapshot {
  readonly files: ReadonlyMap<string, FileStamp>;
}

export const EMPTY_SNAPSHOT: WorkspaceSnapshot = { files: new Map() };

interface WalkedFile {
  rel: string;
  stat: BigIntStats;
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function isVanished(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "EACCES";
}

/** Regular files under `root` (symlinks are neither followed nor reported), sorted by path. */
export async function walkRegularFiles(root: string, signal?: AbortSignal): Promise<WalkedFile[]> {
  const out: WalkedFile[] = [];
  const dirs = [""];
  for (let rel = dirs.pop(); rel !== undefined; rel = dirs.pop()) {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(rel ? posix.join(root, rel) : root, { withFileTypes: true });
    } catch (error) {
      if (rel !== "" && (isVanished(error) || (error as NodeJS.ErrnoException).code === "EPERM")) {
        continue;
      }
      throw error;
    }
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) dirs.push(childRel);
      else if (entry.isFile()) {
        try {
          const stat = await lstat(posix.join(root, childRel), { bigint: true });
          if (stat.isFile()) out.push({ rel: childRel, stat });
        } catch (error) {
          if (!isVanished(error)) throw error;
        }
      }
    }
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Reads at most `size` bytes of a regular file without following a (swapped-in) symlink. */
async function readRegularFile(
  path: string,
  size: number,
  ino: bigint,
): Promise<Uint8Array | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    if (isVanished(error)) return null;
    throw error;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile() || stat.ino !== ino) return null;
    const buffer = new Uint8Array(Math.min(size, Number(stat.size)));
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return offset === buffer.length ? buffer : buffer.slice(0, offset);
  } finally {
    await handle.close();
  }
}

async function hashFile(path: string, stamp: FileStamp): Promise<string | null> {
  const content = await readRegularFile(path, Number(stamp.size), stamp.ino);
  return content ? createHash("sha256").update(content).digest("hex") : null;
}

/** Touches `marker` and returns the filesystem's current time as it stamps files. */
async function fsNow(marker: string): Promise<bigint> {
  await writeFile(marker, "x"); // a data write always stamps mtime (and ctime) with the fs clock
  const stat = await lstat(marker, { bigint: true });
  return stat.mtimeNs;
}

/**
 * Records size/mtime/ctime/inode of every regular file under `root`. Then waits (up to
 * `maxTickWaitMs`) until the filesystem clock has moved past the staging time, so that any later
 * write gets a different mtime even when it happens within the same millisecond; if the clock is
 * coarser than that, files stamped in the staging tick also get a content hash.
 * `marker` must be a scratch file on the same filesystem, outside `root`.
 */
export async function takeSnapshot(
  root: string,
  marker: string,
  options: {
    maxTickWaitMs?: number;
    signal?: AbortSignal;
    /** The filesystem clock (tests fake a coarse one). */
    clock?: (marker: string) => Promise<bigint>;
  } = {},
): Promise<WorkspaceSnapshot> {
  const clock = options.clock ?? fsNow;
  const walked = await walkRegularFiles(root, options.signal);
  const files = new Map<string, FileStamp>();
  for (const { rel, stat } of walked) {
    files.set(rel, {
      size: stat.size,
      mtimeNs: stat.mtimeNs,
      ctimeNs: stat.ctimeNs,
      ino: stat.ino,
    });
  }
  const stagedAt = await clock(marker);
  const deadline = Date.now() + (options.maxTickWaitMs ?? 100);
  let now = stagedAt;
  while (now <= stagedAt && Date.now() < deadline) {
    await sleep(1);
    now = await clock(marker);
  }
  if (now <= stagedAt) {
    for (const [rel, stamp] of files) {
      if (stamp.mtimeNs < stagedAt && stamp.ctimeNs < stagedAt) continue;
      const hash = await hashFile(posix.join(root, rel), stamp);
      if (hash) stamp.sha256 = hash;
    }
  }
  return { files };
}

async function isChanged(root: string, file: WalkedFile, snapshot: WorkspaceSnapshot) {
  const before = snapshot.files.get(file.rel);
  if (!before) return true;
  const s = file.stat;
  if (s.size !== before.size || s.ino !== before.ino) return true;
  if (s.mtimeNs !== before.mtimeNs || s.ctimeNs !== before.ctimeNs) return true;
  if (before.sha256 === undefined) return false;
  return (await hashFile(posix.join(root, file.rel), before)) !== before.sha256;
}

/** Files changed since `snapshot`, read within the limits (decided from sizes, in path order). */
export async function collectChangedFiles(
  root: string,
  snapshot: WorkspaceSnapshot,
  limits: ChangedFilesLimits,
  signal?: AbortSignal,
): Promise<ChangedFiles> {
  const files: ChangedFile[] = [];
  const skipped: SkippedFile[] = [];
  let total = 0;
  for (const file of await walkRegularFiles(root, signal)) {
    signal?.throwIfAborted();
    if (!(await isChanged(root, file, snapshot))) continue;
    const size = Number(file.stat.size);
    const path = file.rel;
    if (size > limits.maxFileBytes) skipped.push({ path, size, reason: "file_too_large" });
    else if (files.length >= limits.maxFiles)
      skipped.push({ path, size, reason: "too_many_files" });
    else if (total + size > limits.maxTotalBytes) {
      skipped.push({ path, size, reason: "total_too_large" });
    } else {
      const content = await readRegularFile(posix.join(root, path), size, file.stat.ino);
      if (!content) continue;
      files.push({ path, content });
      total += content.length;
    }
  }
  return { files, skipped };
}
