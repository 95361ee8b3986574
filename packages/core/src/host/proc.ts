// Reads Linux /proc: process state, parent, start time, and the descendants of a process (shared by providers).
import { readdir, readFile, readlink } from "node:fs/promises";

export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  ppid: number;
  /** Clock ticks since boot; with the pid it identifies a process across pid reuse. */
  startTime: string;
}

/** Parses /proc/<pid>/stat; null when the process does not exist (or cannot be read). */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  return parseProcStat(text);
}

export function parseProcStat(text: string): ProcStat | null {
  // "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split after the last ")".
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const pid = Number.parseInt(text, 10);
  const fields = text.slice(close + 2).split(" ");
  const state = fields[0];
  const ppid = Number(fields[1]);
  const startTime = fields[19];
  if (!Number.isInteger(pid) || !state || !Number.isInteger(ppid) || startTime === undefined) {
    return null;
  }
  return { pid, state, ppid, startTime };
}

/** Alive = exists and is neither a zombie nor dead (PID 1 here may never reap zombies). */
export function isLiveState(stat: ProcStat | null): stat is ProcStat {
  return stat !== null && stat.state !== "Z" && stat.state !== "X" && stat.state !== "x";
}

/** Whether this exact process (pid + start time, when given) still runs. */
export async function isProcessAlive(pid: number, startTime?: string): Promise<boolean> {
  const stat = await readProcStat(pid);
  if (!isLiveState(stat)) return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** Every process whose parent chain leads to `rootPid` (not including it), from one /proc scan. */
export async function listDescendants(rootPid: number): Promise<ProcStat[]> {
  let names: string[];
  try {
    names = await readdir("/proc");
  } catch {
    return [];
  }
  const children = new Map<number, ProcStat[]>();
  const stats = await Promise.all(
    names.filter((name) => /^\d+$/.test(name)).map((name) => readProcStat(Number(name))),
  );
  for (const stat of stats) {
    if (!stat) continue;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const result: ProcStat[] = [];
  const queue = [rootPid];
  const seen = new Set<number>(queue);
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      result.push(child);
      queue.push(child.pid);
    }
  }
  return result;
}

/** The executable of a process (null when unreadable), and its short command name. */
export async function readProcessIdentity(
  pid: number,
): Promise<{ exe: string | null; comm: string | null }> {
  const exe = await readlink(`/proc/${pid}/exe`).catch(() => null);
  const comm = await readFile(`/proc/${pid}/comm`, "utf8").then(
    (text) => text.trim(),
    () => null,
  );
  return { exe, comm };
}
