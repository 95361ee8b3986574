// Runs a sandbox's commands in their own mount namespace (bubblewrap), so the sandbox's absolute
// paths (/home/user, /root, /tmp, any top-level dir it made) are its own, as in a real E2B sandbox.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The argv that runs `cmd args` with the host's filesystem (tools, node) but, for every top-level
 * directory the sandbox has (home, root, tmp, …), the sandbox's own, starting in `cwd` (a sandbox
 * path). A top-level directory the host lacks cannot be a mount point and stays unreachable.
 */
export function inSandboxMounts(
  root: string,
  cwd: string,
  cmd: string,
  args: string[],
): [string, string[]] {
  const binds = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`/${entry.name}`))
    .flatMap((entry) => ["--bind", join(root, entry.name), `/${entry.name}`]);
  // fd 3 reports when the namespace is set up and the command started (see spawnProcess).
  return [
    "bwrap",
    ["--json-status-fd", "3", "--dev-bind", "/", "/", ...binds, "--chdir", cwd, "--", cmd, ...args],
  ];
}
