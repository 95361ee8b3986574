// The container's main process boots the installed runner as the container starts (in-sandbox JS,
// a part of SUPERVISOR_SCRIPT), so no exec (~100 ms here) stands between a run and its runner, and
// the runner's Node start overlaps the end of `docker start` and the staging.
//
// The runner's stdin, stdout and stderr are Unix sockets the server listens on in the sandbox's
// host dir (one connection each, accepted once; see booted-runner.ts), handed to the runner as its
// fds: its bytes never pass through this process, and end of output is the sockets' EOF, as with an
// exec. A fourth socket is this process's control line with the server: one JSON line with the
// runner's pid once it runs, one with how it ended, then one with the workspace's changed files
// scanned right then (the run's artifacts, without a scanner's exec and Node start and the round
// trip to tell it); "kill" from the server kills its tree, and the server dropping the line (the
// runner was never taken, or the sandbox goes) kills it too.
// Nothing of any run is here: the runner waits for its config, which only the server sends, on
// its stdin (--await-config). No process of the sandbox can write to these sockets: a socket,
// unlike a pipe, cannot be opened through /proc/<pid>/fd.

import { STAGED_MARKER, WORKSPACE_PATH } from "./constants.js";
import { RUNNER_NAME } from "./installed-runner.js";

/** The sockets' names in the host dir, by role. */
export const BOOT_SOCKETS = {
  input: "runner-in.sock",
  output: "runner-out.sock",
  errors: "runner-err.sock",
  control: "runner-ctl.sock",
} as const;

/**
 * bootRunner(id, dir, markEnv, node, sockets): connects the four sockets under <sockets>, starts
 * `<node> <sockets>/runner.mjs --await-config` (the installed runner) in its own process group with the first three as its
 * stdio and <markEnv>=<id> in its env, records its pid in <dir>/<id>.pid (the killer's fallback),
 * and serves the control line. Needs killTree and scanChanged (KILL_TREE_FUNCTION, SCAN_FUNCTION).
 * Without the sockets (a server that did not listen) it does nothing.
 */
export const BOOT_RUNNER_FUNCTION = `
function bootRunner(id, dir, markEnv, node, sockets) {
  const net = require("node:net");
  const script = sockets + "/" + ${JSON.stringify(RUNNER_NAME)};
  const fs = require("node:fs");
  const connect = (name) => new Promise((resolve, reject) => {
    const socket = net.connect(sockets + "/" + name);
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
  const names = ${JSON.stringify(Object.values(BOOT_SOCKETS))};
  Promise.all(names.map(connect)).then(([input, output, errors, control]) => {
    control.on("error", () => {});
    const send = (record) => { try { control.write(JSON.stringify(record) + "\\n"); } catch {} };
    let exited = false;
    let killed = false;
    const ended = (code, signal) => {
      if (exited) return;
      exited = true;
      send({ exit: { code, signal } });
      // A killed run collects nothing: no scan.
      if (!killed && !control.destroyed) {
        let rows;
        try { rows = scanChanged(${JSON.stringify(WORKSPACE_PATH)}, ${JSON.stringify(STAGED_MARKER)}); } catch {}
        if (rows) send({ scan: rows });
      }
      control.end();
    };
    // Spelled in parts: this process's own command line (the script) does not name the flag, so
    // a process listing that looks for the idle runner by its flag (pgrep -f) finds only it.
    const awaitConfig = ["--await", "config"].join("-");
    const child = require("node:child_process").spawn(node, [script, awaitConfig], {
      stdio: [input, output, errors],
      detached: true,
      env: { ...process.env, [markEnv]: id },
    });
    // The runner has its own copies: this process's would hold its output open.
    for (const socket of [input, output, errors]) socket.destroy();
    child.on("error", (error) => {
      send({ error: "cannot run " + script + ": " + error.message });
      ended(127, null);
    });
    if (!child.pid) return;
    try { fs.writeFileSync(dir + "/" + id + ".pid", String(child.pid)); } catch {}
    child.on("exit", ended);
    const kill = () => {
      if (exited) return;
      killed = true;
      killTree(id, dir, markEnv);
    };
    let buffered = "";
    control.on("data", (chunk) => {
      buffered += chunk;
      if (buffered.includes("\\n")) kill();
      if (buffered.length > 64) buffered = "";
    });
    control.on("close", kill);
    send({ pid: child.pid });
  }, (error) => {
    process.stderr.write("sandcaster: no runner booted: " + error.message + "\\n");
  });
}
`;
