// The host command that starts bwrap: joins the sandbox's cgroup, drops to the sandbox user, execs.
//
// Joining happens in the process that becomes bwrap (sh writes its own pid, then execs), so every
// sandboxed process is in the cgroup from its first instruction: nothing forks before the join.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import type { HostUser } from "./sandbox-user.js";

/** `sh -c JOIN sh <procs files…> -- <command…>`: `$$` is the pid that execs into the command. */
const JOIN_SCRIPT =
  'for f do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; shift; exec "$@"';
const SHELL = "/bin/sh";
const SETPRIV_PATHS = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv", "/sbin/setpriv"];

/** util-linux's setpriv, which switches uid/gid and drops supplementary groups before exec. */
export async function findSetpriv(): Promise<string | null> {
  for (const path of SETPRIV_PATHS) {
    const ok = await access(path, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return path;
  }
  return null;
}

export interface LaunchInput {
  bwrapPath: string;
  bwrapArgs: readonly string[];
  /** The host user to become (a root server); undefined to stay who we are. */
  user?: { user: HostUser; setprivPath: string } | undefined;
  /** cgroup.procs files to join first; empty without cgroups. */
  procsFiles: readonly string[];
}

/** The argv (file first) that runs bwrap as described. */
export function launchCommand(input: LaunchInput): [string, ...string[]] {
  const drop = input.user
    ? [
        input.user.setprivPath,
        "--reuid",
        String(input.user.user.uid),
        "--regid",
        String(input.user.user.gid),
        "--clear-groups",
        "--",
      ]
    : [];
  const command = [...drop, input.bwrapPath, ...input.bwrapArgs];
  if (input.procsFiles.length === 0) return command as [string, ...string[]];
  return [SHELL, "-c", JOIN_SCRIPT, "sandcaster-join", ...input.procsFiles, "--", ...command];
}
