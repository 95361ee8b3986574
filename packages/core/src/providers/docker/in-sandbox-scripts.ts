// Tiny node programs run inside the container with `node -e` (node is the only thing images must have).
import { HOME_DIR, KILL_REQUEST_DIR, RUNNER_DIR, STAGED_MARKER, STATE_DIR } from "./constants.js";

/** The sandbox's dirs under /tmp (the sandbox user's, as every process here runs as it). */
const LAYOUT: [string, number][] = [
  [STATE_DIR, 0o700],
  [KILL_REQUEST_DIR, 0o700],
  [HOME_DIR, 0o755],
  [RUNNER_DIR, 0o755],
];

/**
 * makeDirs(): the layout's dirs, made if missing (idempotent; a failure shows later, where used),
 * then the staged marker unless a staging or another process made it first (opening it for append
 * leaves its ctime alone). Whichever process of the sandbox runs first makes it, so it is older than
 * any file a process of this sandbox writes.
 */
export const MAKE_DIRS_FUNCTION = `
function makeDirs() {
  for (const [path, mode] of ${JSON.stringify(LAYOUT)}) {
    try { require("node:fs").mkdirSync(path, { recursive: true, mode }); } catch {}
  }
  try { require("node:fs").closeSync(require("node:fs").openSync(${JSON.stringify(STAGED_MARKER)}, "a", 0o600)); } catch {}
}
`;

/**
 * runAsChild(id, dir, file, args): runs the command in its own process group (detached = setsid),
 * records its pid (= pgid) in <dir>/<id>.pid, forwards termination signals to the group, and
 * records how it ended in <dir>/<id>.exit, then exits the same way.
 */
const RUN_AS_CHILD_FUNCTION = `
function runAsChild(id, dir, file, args) {
  const { spawn } = require("node:child_process");
  const fs = require("node:fs");
  let done = false;
  const finish = (code, signal) => {
    if (done) return;
    done = true;
    try { fs.writeFileSync(dir + "/" + id + ".exit", JSON.stringify({ code, signal })); } catch {}
    process.exit(code ?? 128 + (require("node:os").constants.signals[signal] ?? 0));
  };
  const child = spawn(file, args, { stdio: "inherit", detached: true });
  child.on("error", (error) => {
    process.stderr.write("sandcaster: cannot run " + file + ": " + error.message + "\\n");
    finish(127, null);
  });
  if (child.pid) {
    try { fs.writeFileSync(dir + "/" + id + ".pid", String(child.pid)); } catch {}
  }
  for (const name of ["SIGTERM", "SIGINT", "SIGHUP"]) {
    process.on(name, () => { try { process.kill(-child.pid, name); } catch {} });
  }
  child.on("exit", finish);
}
`;

/**
 * enterDir(id, dir, cwd): makes the layout's dirs (the container's main process makes them as it
 * starts; a spawn right after may come first) and enters <cwd>, or records exit 127 and exits.
 */
const ENTER_DIR_FUNCTION = `${MAKE_DIRS_FUNCTION}
function enterDir(id, dir, cwd) {
  makeDirs();
  try {
    process.chdir(cwd);
  } catch (error) {
    process.stderr.write("sandcaster: cannot enter " + cwd + ": " + error.message + "\\n");
    try { require("node:fs").writeFileSync(dir + "/" + id + ".exit", JSON.stringify({ code: 127, signal: null })); } catch {}
    process.exit(127);
  }
}
`;

/**
 * Spawn wrapper. argv: <id> <stateDir> <cwd> <command...>. Runs the command in <cwd> (entered
 * here, after making the layout's dirs, not by Docker) as runAsChild does.
 */
export const WRAPPER_SCRIPT = `${ENTER_DIR_FUNCTION}${RUN_AS_CHILD_FUNCTION}
const [id, dir, cwd, file, ...args] = process.argv.slice(1);
enterDir(id, dir, cwd);
runAsChild(id, dir, file, args);
`;

/**
 * Runner wrapper: the spawn wrapper's contract (argv <id> <stateDir> <cwd> <node> <script>
 * <args...>), but the runner's script runs in this very process, not in a child: Docker starts an
 * exec'd process as the leader of its own session and group, so its pid is the group to kill, and
 * no second Node boots before the runner can (~80 ms of a cold run here). It records its pid, and
 * its exit code when it exits (a death by signal leaves no record, as with the child wrapper). A
 * process that does not lead its group runs the runner as a child instead.
 */
export const RUNNER_WRAPPER_SCRIPT = `${ENTER_DIR_FUNCTION}${RUN_AS_CHILD_FUNCTION}
const fs = require("node:fs");
const [id, dir, cwd, file, script, ...args] = process.argv.slice(1);
enterDir(id, dir, cwd);
const stat = fs.readFileSync("/proc/self/stat", "latin1");
if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== process.pid) {
  runAsChild(id, dir, file, [script, ...args]);
} else {
  try { fs.writeFileSync(dir + "/" + id + ".pid", String(process.pid)); } catch {}
  process.on("exit", (code) => {
    try { fs.writeFileSync(dir + "/" + id + ".exit", JSON.stringify({ code, signal: null })); } catch {}
  });
  process.argv = [process.argv[0], script, ...args];
  import(require("node:url").pathToFileURL(script).href).catch((error) => {
    process.stderr.write("sandcaster: cannot run " + script + ": " + (error && error.message) + "\\n");
    process.exit(127);
  });
}
`;

/**
 * killTree(id, dir, markEnv): SIGKILLs the process group recorded in <dir>/<id>.pid and every
 * process whose environment carries <markEnv>=<id> (descendants that left the group), until none
 * is left. Returns true when nothing is left, false if processes kept reappearing.
 */
export const KILL_TREE_FUNCTION = `
function killTree(id, dir, markEnv) {
  const fs = require("node:fs");
  const mark = markEnv + "=" + id;
  const fieldsOf = (stat) => stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let pgid = 0;
  try { pgid = Number(fs.readFileSync(dir + "/" + id + ".pid", "utf8")) || 0; } catch {}
  const ownGroup = Number(fieldsOf(fs.readFileSync("/proc/self/stat", "latin1"))[2]);
  if (pgid <= 1 || pgid === ownGroup) pgid = 0;
  const find = () => {
    const found = [];
    for (const entry of fs.readdirSync("/proc")) {
      const pid = Number(entry);
      if (!pid || pid === process.pid || pid === 1) continue;
      try {
        const fields = fieldsOf(fs.readFileSync("/proc/" + pid + "/stat", "latin1"));
        if (fields[0] === "Z" || fields[0] === "X") continue;
        if (pgid > 0 && Number(fields[2]) === pgid) { found.push(pid); continue; }
        const env = fs.readFileSync("/proc/" + pid + "/environ", "latin1").split("\\0");
        if (env.includes(mark)) found.push(pid);
      } catch {}
    }
    return found;
  };
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let round = 0; round < 300; round++) {
    if (pgid > 0) { try { process.kill(-pgid, "SIGKILL"); } catch {} }
    const pids = find();
    if (pids.length === 0) return true;
    for (const pid of pids) { try { process.kill(pid, "SIGKILL"); } catch {} }
    Atomics.wait(pause, 0, 0, 10);
  }
  return false;
}
`;

/** Killer run by exec. argv: <id> <stateDir> <markEnv>. Exit 0 when the tree is gone. */
export const KILLER_SCRIPT = `${KILL_TREE_FUNCTION}
const [id, dir, markEnv] = process.argv.slice(1);
process.exit(killTree(id, dir, markEnv) ? 0 : 1);
`;

/** Files up to this size are printed by the scanner with their content (base64), up to the total. */
export const INLINE_FILE_BYTES = 64 * 1024;
export const INLINE_TOTAL_BYTES = 1024 * 1024;

/**
 * Changed-file scanner. argv: <root> <marker> [wait]. Prints a JSON array of [relativePath, size]
 * for the regular files under <root> (symlinks are neither followed nor listed) whose ctime is
 * after the marker's ctime (all files when there is no marker). A small file it can read comes
 * as [relativePath, size, base64 content]: reading it through Docker's archive API costs a round
 * trip of ~130 ms per file here (opened without following a symlink swapped in since the walk). ctime cannot be set back by user
 * code. With "wait" it boots, prints a newline (it is up: JSON allows the leading whitespace),
 * then scans only at the end of its stdin: started ahead, it takes Node's start-up off the run's
 * end (bytes on stdin are ignored; only its writer can close it).
 */
export const SCAN_FUNCTION = `
function scanChanged(root, marker) {
const fs = require("node:fs");
let inlined = 0;
const contentOf = (full, size) => {
  if (size > ${INLINE_FILE_BYTES} || inlined + size > ${INLINE_TOTAL_BYTES}) return undefined;
  let fd;
  try {
    fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(size + 1);
    let length = 0;
    for (let n; length < buffer.length && (n = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    if (length !== size) return undefined;
    inlined += size;
    return buffer.subarray(0, size).toString("base64");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
};
const scan = () => {
  // The container's main process makes the marker as it starts: a scan right after create waits
  // for it (briefly). Still missing (removed by the agent), every file counts as changed.
  let since = -1n;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; since < 0n; waited += 10) {
    try { since = fs.statSync(marker, { bigint: true }).ctimeNs; } catch {}
    if (since >= 0n || waited >= 2000) break;
    Atomics.wait(pause, 0, 0, 10);
  }
  const out = [];
  const walk = (dir, prefix) => {
    let entries;
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const entry of entries) {
      const full = dir + "/" + entry.name;
      const rel = prefix + entry.name;
      if (entry.isDirectory()) walk(full, rel + "/");
      else if (entry.isFile()) {
        try {
          const info = fs.lstatSync(full, { bigint: true });
          if (info.isFile() && info.ctimeNs > since) {
            const size = Number(info.size);
            const content = contentOf(full, size);
            out.push(content === undefined ? [rel, size] : [rel, size, content]);
          }
        } catch {}
      }
    }
  };
  walk(root, "");
  return out;
};
return scan();
}
`;

export const SCAN_SCRIPT = `${SCAN_FUNCTION}
const [root, marker, mode] = process.argv.slice(1);
const scan = () => process.stdout.write(JSON.stringify(scanChanged(root, marker)));
if (mode === "wait") {
  process.stdout.write("\\n");
  process.stdin.on("data", () => {});
  process.stdin.on("end", scan);
} else scan();
`;

/**
 * Empties a directory. argv: <dir>. Runs as the sandbox user, which owns everything a sandbox can
 * create: directories it made unreadable are opened up first (never through symlinks).
 */
export const CLEAR_DIR_SCRIPT = `
const fs = require("node:fs");
const [root] = process.argv.slice(1);
const unlock = (dir) => {
  try { fs.chmodSync(dir, 0o700); } catch {}
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) unlock(dir + "/" + entry.name);
  }
};
unlock(root);
for (const name of fs.readdirSync(root)) fs.rmSync(root + "/" + name, { recursive: true, force: true });
`;
