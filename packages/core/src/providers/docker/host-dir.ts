// Per-sandbox host socket dirs: made at create(), bound read-only at SANDBOX_HOST_DIR, removed at
// destroy(), and swept when the server that made them is gone.
//
// The server later listens on a Unix socket in the dir (the model gateway). A socket made after the
// container started is still seen inside: the bind mount shares the directory, not a snapshot.
import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, readdir, rm, rmdir } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ownerIsGone } from "../../host/process-owner.js";

/** Where the dirs live unless the provider is told otherwise. */
export const DEFAULT_HOST_DIR_ROOT = join(tmpdir(), "sandcaster-docker");

/** <pid>-<startTime>-<random>: names the owning server process, so a sweep can judge it. */
const DIR_NAME = /^(\d+)-(\d+)-[0-9a-f]{12}$/;

/** "host/pid/startTime" → the dir name prefix "pid-startTime". */
function ownerPrefix(owner: string): string {
  const [, pid = "0", startTime = "0"] = owner.split("/");
  return `${pid}-${startTime}`;
}

/**
 * A fresh dir for one sandbox. 0711: the sandbox user (uid 1000, any host uid) may pass through it
 * to a socket whose own mode lets it connect, but cannot list it; only the server writes in it.
 */
export async function createHostDir(root: string, owner: string): Promise<string> {
  // The root goes when its last dir does (tests and idle hosts keep nothing): a destroy may remove
  // it between the two mkdirs, so try again then.
  for (let attempt = 0; ; attempt++) {
    await mkdir(root, { recursive: true, mode: 0o711 });
    await assertOwnRoot(root);
    const dir = join(root, `${ownerPrefix(owner)}-${randomBytes(6).toString("hex")}`);
    try {
      await mkdir(dir, { mode: 0o711 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && attempt < 3) continue;
      throw error;
    }
    // mkdir's mode is filtered by the umask; the sandbox user needs the x bit whatever it is.
    await chmod(dir, 0o711);
    return dir;
  }
}

/**
 * The default root is in the shared temp dir: another host user could have made it first (or as a
 * symlink) to swap the sockets the sandboxes trust. Refuse anything not ours and private.
 */
async function assertOwnRoot(root: string): Promise<void> {
  const info = await lstat(root);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw new Error(
      `${root} must be a directory owned by this user and writable by no one else (is it a symlink, or another user's?)`,
    );
  }
}

/** Idempotent; never throws (a leftover dir is swept later). */
export async function removeHostDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => {});
  // Only succeeds when empty: other sandboxes' dirs keep it.
  await rmdir(dirname(dir)).catch(() => {});
}

/** Removes the dirs under `root` whose owning server process is gone; returns how many. */
export async function sweepHostDirs(root: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const match = DIR_NAME.exec(name);
    if (!match) continue;
    if (!(await ownerIsGone(`${hostname()}/${match[1]}/${match[2]}`))) continue;
    await removeHostDir(join(root, name));
    removed++;
  }
  return removed;
}
