// One counter of a cgroup's key-value file (memory.events, memory.oom_control, pids.events);
// 0 when the file or key is missing. Shared by the local sandbox's cgroups and docker's.
import { readFile } from "node:fs/promises";

export async function readCgroupCounter(file: string, key: string): Promise<number> {
  const text = await readFile(file, "utf8").catch(() => "");
  const line = text.split("\n").find((l) => l.startsWith(`${key} `));
  return line ? Number(line.slice(key.length + 1)) || 0 : 0;
}
