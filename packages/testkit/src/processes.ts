// Live processes of this host by their command line: what a test looks for to prove that a process
// it cannot reach otherwise (a builder, a sandboxed runner) is or is no longer there.
import { readdir, readFile } from "node:fs/promises";

/** Pids of live processes whose command line holds every one of `parts` (as substrings). */
export async function pidsWithCommandLine(parts: readonly string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline && parts.every((part) => cmdline.includes(part))) pids.push(Number(entry));
  }
  return pids;
}
