// Names this server process (host, pid, start time) so sandboxes it owns can be told from a dead server's.
import { hostname } from "node:os";
import { isProcessAlive, readProcStat } from "./proc.js";

/** "host/pid/startTime": unique across pid reuse on one host. */
export async function currentOwner(): Promise<string> {
  const stat = await readProcStat(process.pid);
  return `${hostname()}/${process.pid}/${stat?.startTime ?? "0"}`;
}

/**
 * Whether the owning server is known to be gone: only decidable for owners on this host; another
 * host's sandboxes are never judged (their own restart, or the dead-man switch, reaps them).
 */
export async function ownerIsGone(owner: string | undefined): Promise<boolean> {
  const [host, pid, startTime] = (owner ?? "").split("/");
  if (!host || host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  return !(await isProcessAlive(Number(pid), startTime === "0" ? undefined : startTime));
}
