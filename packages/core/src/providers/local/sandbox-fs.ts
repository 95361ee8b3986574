// Host-side file operations of a sandbox: path mapping, symlink-safe staging writes, tree removal.
import { constants } from "node:fs";
import { chmod, chown, lchown, lstat, mkdir, open, readdir, rm } from "node:fs/promises";
import { posix } from "node:path";

/** A sandbox directory (as processes inside see it) and the host directory behind it. */
export interface PathRoot {
  sandbox: string;
  host: string;
}

/**
 * Maps an absolute sandbox path strictly under one of `roots` to `{ root, rel }`;
 * null for anything else (relative, outside, `..` escapes, the root itself, NUL bytes).
 */
export function mapSandboxPath(
  path: string,
  roots: readonly PathRoot[],
): { root: PathRoot; rel: string } | null {
  if (!path.startsWith("/") || path.includes("\0")) return null;
  const normalized = posix.normalize(path);
  for (const root of roots) {
    const prefix = root.sandbox.endsWith("/") ? root.sandbox : `${root.sandbox}/`;
    if (!normalized.startsWith(prefix)) continue;
    const rel = normalized.slice(prefix.length).replace(/\/+$/, "");
    if (rel === "" || rel.split("/").includes("..")) return null;
    return { root, rel };
  }
  return null;
}

const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Writes `content` at `hostRoot/rel`, creating parent directories, never through a symlink
 * (a sandboxed process may have planted one pointing at the host).
 */
export async function writeFileSafely(
  hostRoot: string,
  rel: string,
  content: Uint8Array,
  mode: number,
  owner?: { uid: number; gid: number },
): Promise<void> {
  const parts = rel.split("/");
  const name = parts.pop();
  if (!name) throw new Error(`invalid path ${rel}`);
  let dir = hostRoot;
  for (const part of parts) {
    dir = posix.join(dir, part);
    try {
      const stat = await lstat(dir);
      if (!stat.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      await mkdir(dir, { mode: 0o755 });
      if (owner) await chown(dir, owner.uid, owner.gid);
    }
  }
  const handle = await open(posix.join(dir, name), WRITE_FLAGS, mode);
  try {
    await handle.writeFile(content);
    if (owner) await handle.chown(owner.uid, owner.gid);
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

/** Makes every directory under `dir` writable and searchable by us (best effort, no symlinks). */
async function unlockTree(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory()) await unlockTree(posix.join(dir, entry.name));
  }
}

/** `rm -rf dir`; retries once after making directories writable (a process may have chmod'ed them). */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    await unlockTree(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Gives `dir` and everything under it to `owner`, never following a symlink. */
export async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await lchown(dir, owner.uid, owner.gid);
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, owner);
    else await lchown(path, owner.uid, owner.gid);
  }
}
