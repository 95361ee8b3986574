// What a local sandbox gets on this host, for `doctor`: who it runs as, which limits hold.
import { type BwrapStatus, checkBwrap } from "./bwrap-host.js";
import { checkCgroups } from "./cgroups.js";
import { resolveSandboxUser } from "./sandbox-user.js";
import { canMountVolumes } from "./workspace-volume.js";

export interface LocalHostReport {
  bwrap: BwrapStatus;
  /** Who sandboxed processes are on the host; `root` true is the unsafe fallback. */
  runsAs: { uid: number; label: string; root: boolean; reason?: string };
  /** Memory, process-count and CPU limits (cgroups). */
  cgroups: { ok: true; version: 1 | 2 } | { ok: false; reason: string };
  /** The workspace disk limit (a loop-mounted image). */
  disk: { ok: true } | { ok: false; reason: string };
}

export async function inspectLocalHost(
  options: { sandboxUser?: string; bwrapPath?: string; nodePath?: string } = {},
): Promise<LocalHostReport> {
  const uid = process.getuid?.() ?? -1;
  const cgroups = await checkCgroups();
  const disk = canMountVolumes()
    ? ({ ok: true } as const)
    : ({
        ok: false,
        reason: "the server is not root: it cannot mount size-capped workspaces",
      } as const);
  if (uid !== 0) {
    const bwrap = await checkBwrap(options.bwrapPath, options.nodePath ?? process.execPath);
    return {
      bwrap,
      runsAs: { uid, label: `the server's own user (uid ${uid})`, root: false },
      cgroups,
      disk,
    };
  }
  let user: Awaited<ReturnType<typeof resolveSandboxUser>>;
  try {
    user = await resolveSandboxUser(options.sandboxUser);
  } catch (error) {
    const reason = (error as Error).message;
    return {
      bwrap: { ok: false, reason },
      runsAs: { uid: 0, label: "nobody", root: true, reason },
      cgroups,
      disk,
    };
  }
  const bwrap = await checkBwrap(options.bwrapPath, options.nodePath ?? process.execPath, user);
  const fallback = bwrap.ok ? bwrap.rootFallback : undefined;
  return {
    bwrap,
    runsAs: fallback
      ? { uid: 0, label: "HOST ROOT", root: true, reason: fallback }
      : { uid: user.uid, label: `${user.name} (uid ${user.uid})`, root: false },
    cgroups,
    disk,
  };
}
