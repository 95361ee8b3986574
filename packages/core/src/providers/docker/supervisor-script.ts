// The container's main process (in-sandbox JS run with `node -e` as the container's command).
import { BOOT_RUNNER_FUNCTION } from "./boot-runner-script.js";
import { KILL_TREE_FUNCTION, MAKE_DIRS_FUNCTION, SCAN_FUNCTION } from "./in-sandbox-scripts.js";

/**
 * The container's main process. argv: <lifetimeMs> <stateDir> <markEnv> [<id> <node> <hostDir>].
 * - Runner: with the last three, boots the installed runner idle as the container starts, its
 *   stdio on the server's sockets (see boot-runner-script.ts).
 * - Set-up: makes the layout's dirs, then the staged marker unless a staging already wrote it
 *   (opening it for append leaves its ctime alone). Nothing is put in by the archive API at create.
 * - Dead-man switch: exits after <lifetimeMs>, so the (AutoRemove) container disappears even when
 *   the server that made it has crashed.
 * - Kill service: on SIGUSR2 it kills the tree of every id named by a file in <stateDir>/kill and
 *   deletes the file. Already running, it works even when the pids limit forbids a new exec.
 */
export const SUPERVISOR_SCRIPT = `${KILL_TREE_FUNCTION}${MAKE_DIRS_FUNCTION}${SCAN_FUNCTION}${BOOT_RUNNER_FUNCTION}
const fs = require("node:fs");
const [lifetime, dir, markEnv, runnerId, node, sockets] = process.argv.slice(1);
setTimeout(() => process.exit(0), Number(lifetime));
makeDirs();
if (sockets) bootRunner(runnerId, dir, markEnv, node, sockets);
process.on("SIGUSR2", () => {
  let ids = [];
  try { ids = fs.readdirSync(dir + "/kill"); } catch {}
  for (const id of ids) {
    killTree(id, dir, markEnv);
    try { fs.unlinkSync(dir + "/kill/" + id); } catch {}
  }
});
`;
