// Owner files of sandbox dirs, and the sweep that removes dirs whose server process is gone.
import type { Dirent } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { isProcessAlive, readProcessIdentity, readProcStat } from "../../host/proc.js";
import { removeTree } from "./sandbox-fs.js";
import { unmountAllUnder } from "./workspace-volume.js";

export const SANDBOX_DIR_PREFIX = "sandcaster-local-";
export const OWNER_FILE = ".owner";
/** A dir without a readable owner file is only swept once it is this old (it may be mid-create). */
const OWNERLESS_GRACE_MS = 60 * 60 * 1000;

export interface Owner {
  pid: number;
  /** /proc start time of the owner, to tell a reused pid apart. */
  startTime?: string;
}

/**
 * Removes a sandbox dir with its owner file last. A removal cut short (a server or CLI killed
 * while destroying, a second Ctrl-C) then leaves a dir that still names its dead owner, which the
 * orphan sweep removes at once; without the file it would be spared for OWNERLESS_GRACE_MS, as a
 * dir still being created is.
 */
export async function removeOwnedDir(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) if (name !== OWNER_FILE) await removeTree(posix.join(dir, name));
  await removeTree(dir);
}

/** `.owner`: the server pid on the first line, its /proc start time on the second. */
export async function writeOwnerFile(dir: string): Promise<void> {
  const self = await readProcStat(process.pid);
  const lines = [String(process.pid), ...(self ? [self.startTime] : [])];
  await writeFile(posix.join(dir, OWNER_FILE), `${lines.join("\n")}\n`, { mode: 0o644 });
}

export function parseOwner(text: string): Owner | null {
  const [pidLine, startLine] = text.split("\n").map((line) => line.trim());
  if (!pidLine || !/^\d+$/.test(pidLine)) return null;
  const pid = Number(pidLine);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  return startLine && /^\d+$/.test(startLine) ? { pid, startTime: startLine } : { pid };
}

let selfIdentity: Promise<{ exe: string | null; comm: string | null }> | undefined;

function looksLikeNode(identity: { exe: string | null; comm: string | null }): boolean {
  const exeName = identity.exe ? posix.basename(identity.exe.replace(/ \(deleted\)$/, "")) : null;
  return (exeName?.startsWith("node") ?? false) || (identity.comm?.startsWith("node") ?? false);
}

/** Alive = running (not a zombie), same start time when recorded, and a node process (or like us). */
export async function isOwnerAlive(owner: Owner): Promise<boolean> {
  if (owner.pid === process.pid) return true;
  if (!(await isProcessAlive(owner.pid, owner.startTime))) return false;
  const identity = await readProcessIdentity(owner.pid);
  if (looksLikeNode(identity)) return true;
  selfIdentity ??= readProcessIdentity(process.pid);
  const self = await selfIdentity;
  return (
    (self.exe !== null && self.exe === identity.exe) ||
    (self.comm !== null && self.comm === identity.comm)
  );
}

/**
 * Removes `<baseDir>/sandcaster-local-*` dirs whose owner is gone; returns how many. Dirs that are
 * or hold one of `spare` (session workspaces, however workspacesDir was named) are never touched.
 */
export async function sweepOrphanDirs(
  baseDir: string,
  options: {
    signal?: AbortSignal;
    logger?: { warn(obj: object, msg: string): void };
    spare?: readonly string[];
  } = {},
): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await readdir(baseDir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    if (options.signal?.aborted) break;
    if (!entry.isDirectory() || !entry.name.startsWith(SANDBOX_DIR_PREFIX)) continue;
    const dir = posix.join(baseDir, entry.name);
    if (options.spare?.some((kept) => kept === dir || kept.startsWith(`${dir}/`))) continue;
    try {
      const text = await readFile(posix.join(dir, OWNER_FILE), "utf8").catch(() => null);
      const owner = text === null ? null : parseOwner(text);
      if (owner) {
        if (await isOwnerAlive(owner)) continue;
      } else {
        const age = Date.now() - (await stat(dir)).mtimeMs;
        if (age < OWNERLESS_GRACE_MS) continue;
      }
      // A crashed server's mounts (workspace image, a session's workspace) go first: never remove
      // through them (unmountAllUnder throws when one stays).
      await unmountAllUnder(dir);
      await removeOwnedDir(dir);
      removed += 1;
    } catch (error) {
      options.logger?.warn({ err: error, dir }, "local sandbox: cannot sweep orphan dir");
    }
  }
  return removed;
}
