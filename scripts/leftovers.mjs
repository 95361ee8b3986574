// What a test run may leave behind: entries in the run's own temp dir, sandbox processes, labelled
// containers and volumes. test-summary.mjs gives each run a temp dir and run id of its own, so a
// suite running at the same time on a shared host is not blamed for this one, nor this one for it.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Temp dirs shared by many tests (one entry per session workspace inside). */
const SHARED_DIRS = ["sandcaster-workspaces"];
/** Command lines of sandboxed or helper processes that must end with their test. */
const PROCESS_MARK = /bwrap|runner\.mjs|sandcaster|e2b-double/;

function dockerIds(args) {
  try {
    const out = execFileSync("docker", args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    return out.split("\n").filter(Boolean);
  } catch {
    return []; // no Docker here: nothing of it can be left behind
  }
}

function readProc(pid, file) {
  return readFileSync(`/proc/${pid}/${file}`, "utf8");
}

/**
 * Sandbox and helper processes of this run: their command line names a path in the run's temp
 * dir (sandbox dirs, runner bundles), or their environment carries the run id (everything the
 * tests spawn inherits it, and keeps it when orphaned). Another suite's processes have neither.
 */
function processes(run) {
  const found = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const stat = readProc(pid, "stat");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const cmdline = readProc(pid, "cmdline").replaceAll("\0", " ").trim();
      if (!PROCESS_MARK.test(cmdline)) continue;
      const ours =
        cmdline.includes(run.tmp) ||
        readProc(pid, "environ").split("\0").includes(`SANDCASTER_TEST_RUN=${run.id}`);
      if (ours) found.push(`${pid} ${cmdline.slice(0, 160)}`);
    } catch {
      // ended while we looked, or not ours to read
    }
  }
  return found;
}

/** Everything in the run's temp dir, and what is inside the shared dirs there (session workspaces). */
function tempEntries(run) {
  if (!existsSync(run.tmp)) return [];
  const top = readdirSync(run.tmp);
  const inside = SHARED_DIRS.filter((dir) => top.includes(dir)).flatMap((dir) =>
    readdirSync(`${run.tmp}/${dir}`)
      .filter((name) => !name.startsWith("."))
      .map((name) => `${dir}/${name}`),
  );
  return [...top.filter((name) => !SHARED_DIRS.includes(name)), ...inside];
}

/**
 * What exists right now. Temp entries and processes are this run's own; containers and volumes
 * are every labelled one (Docker has no tie to the run yet), compared with the start by leftSince.
 */
export function snapshot(run) {
  return {
    temp: tempEntries(run),
    containers: dockerIds(["ps", "-aq", "--no-trunc", "--filter", "label=sandcaster.managed"]),
    volumes: dockerIds(["volume", "ls", "-q", "--filter", "label=sandcaster.managed"]),
    processes: processes(run),
  };
}

const KIND = { temp: "temp", containers: "container", volumes: "volume", processes: "process" };

/** What `after` has that `before` had not, as readable lines. */
export function leftSince(before, after, run) {
  const lines = [];
  for (const [kind, entries] of Object.entries(after)) {
    const known = new Set(before[kind] ?? []);
    for (const entry of entries.filter((e) => !known.has(e))) {
      lines.push(`${KIND[kind]} ${kind === "temp" ? `${run.tmp}/${entry}` : entry}`);
    }
  }
  return lines;
}
