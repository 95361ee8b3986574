// What a test run may leave behind on this host: temp entries, labelled containers and volumes,
// sandbox processes. test-summary.mjs snapshots them before the run and fails on anything new.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";

/** Names the suite's temp dirs start with (sandboxes, sessions, seeds, the E2B double's roots). */
const TEMP_PREFIX = /^(sandcaster-|sdk-|e2b-double-)/;
/** Temp dirs shared by many runs (one entry per session workspace inside). */
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

function processes() {
  const found = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      if (PROCESS_MARK.test(cmdline)) found.push(`${pid} ${cmdline.slice(0, 160)}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** The suite's temp entries, and what is inside the shared ones (session workspaces). */
function tempEntries() {
  const top = readdirSync(tmpdir()).filter((name) => TEMP_PREFIX.test(name));
  const inside = SHARED_DIRS.filter((dir) => top.includes(dir)).flatMap((dir) =>
    readdirSync(`${tmpdir()}/${dir}`).map((name) => `${dir}/${name}`),
  );
  return [...top, ...inside];
}

/** Everything of interest that exists right now, as comparable strings per kind. */
export function snapshot() {
  return {
    temp: tempEntries(),
    containers: dockerIds(["ps", "-aq", "--no-trunc", "--filter", "label=sandcaster.managed"]),
    volumes: dockerIds(["volume", "ls", "-q", "--filter", "label=sandcaster.managed"]),
    processes: processes().filter((line) => !line.startsWith(`${process.pid} `)),
  };
}

const KIND = { temp: "temp", containers: "container", volumes: "volume", processes: "process" };

/** What `after` has that `before` had not, as readable lines. */
export function leftSince(before, after) {
  const lines = [];
  for (const [kind, entries] of Object.entries(after)) {
    const known = new Set(before[kind] ?? []);
    const fresh = entries.filter((entry) => !known.has(entry));
    for (const entry of fresh) {
      lines.push(`${KIND[kind]} ${kind === "temp" ? `${tmpdir()}/${entry}` : entry}`);
    }
  }
  return lines;
}
