// The host uid/gid a root server runs bubblewrap as: sandboxed processes are never host root.
import { readFile, stat } from "node:fs/promises";
import { posix } from "node:path";

export interface HostUser {
  uid: number;
  gid: number;
  /** As configured (a name or a numeric uid), for messages. */
  name: string;
}

export const DEFAULT_SANDBOX_USER = "nobody";

/** `name:x:uid:gid:…` lines of a passwd file; malformed lines are skipped. */
function passwdEntries(text: string): { name: string; uid: number; gid: number }[] {
  const out: { name: string; uid: number; gid: number }[] = [];
  for (const line of text.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (!name || !uid || !gid || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    out.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return out;
}

/**
 * Resolves `configured` (a user name in /etc/passwd, or a numeric uid) to its uid and primary gid.
 * Root (uid 0 or gid 0) is refused: it would defeat the purpose.
 */
export async function resolveSandboxUser(
  configured: string = DEFAULT_SANDBOX_USER,
  passwdPath = "/etc/passwd",
): Promise<HostUser> {
  const text = await readFile(passwdPath, "utf8").catch(() => "");
  const entries = passwdEntries(text);
  const numeric = /^\d+$/.test(configured) ? Number(configured) : undefined;
  const entry = entries.find((e) =>
    numeric === undefined ? e.name === configured : e.uid === numeric,
  );
  let user: HostUser;
  if (entry) user = { uid: entry.uid, gid: entry.gid, name: configured };
  // A bare uid with no passwd line: its own number as group (nothing else is known about it).
  else if (numeric !== undefined) user = { uid: numeric, gid: numeric, name: configured };
  else {
    throw new Error(
      `local.sandboxUser ${JSON.stringify(configured)} is not in ${passwdPath}; create it ` +
        "(useradd --system --no-create-home --shell /usr/sbin/nologin sandcaster) or name another",
    );
  }
  if (user.uid === 0 || user.gid === 0) {
    throw new Error(
      `local.sandboxUser ${JSON.stringify(configured)} is root; name an unprivileged user`,
    );
  }
  return user;
}

/** The user bwrap must switch to: only when we are root (otherwise we are unprivileged already). */
export async function sandboxUserFor(
  configured: string | undefined,
): Promise<HostUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  return resolveSandboxUser(configured);
}

/**
 * Throws unless `user` may walk down to `dir` (search permission on it and every ancestor):
 * bwrap, running as that user, opens the sandbox's host paths under it.
 */
export async function assertReachable(dir: string, user: HostUser): Promise<void> {
  const parts = posix.resolve(dir).split("/").filter(Boolean);
  let path = "/";
  for (const part of ["", ...parts]) {
    path = posix.join(path, part);
    const { mode, uid, gid } = await stat(path);
    const searchable =
      uid === user.uid
        ? (mode & 0o100) !== 0
        : gid === user.gid
          ? (mode & 0o010) !== 0
          : (mode & 0o001) !== 0;
    if (!searchable) {
      throw new Error(
        `the sandbox user ${user.name} (uid ${user.uid}) cannot reach ${path}: make it searchable ` +
          "(chmod o+x) or put the sandboxes elsewhere (the provider's baseDir, default the temp dir)",
      );
    }
  }
}
