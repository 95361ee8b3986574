// What a run may leave behind, looked up for real: containers, sandbox dirs, processes.
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { hasService } from "@sandcaster/testkit/services";
import Docker from "dockerode";

const docker = new Docker();

/** Docker tests skip on a laptop without Docker (CI sets SANDCASTER_REQUIRE_DOCKER=1). */
export async function shouldRunDocker(): Promise<boolean> {
  return hasService("docker");
}

/** The sandbox providers a suite runs on here: local always, docker when a daemon answers. */
export async function sandboxCases() {
  const docker = await shouldRunDocker();
  return [
    { sandbox: "local" as const, enabled: true },
    { sandbox: "docker" as const, enabled: docker },
  ];
}

/** The address a container on the default bridge uses to reach this host. */
export async function bridgeGateway(): Promise<string> {
  const info = (await docker.getNetwork("bridge").inspect()) as {
    IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
  };
  const config = info.IPAM?.Config?.find((c) => c.Subnet?.includes("."));
  if (config?.Gateway) return config.Gateway;
  // Older daemons leave Gateway out for the default bridge; it is then the subnet's first address.
  const match = /^(\d+\.\d+\.\d+\.)(\d+)\//.exec(config?.Subnet ?? "");
  if (!match) throw new Error("cannot tell the docker bridge gateway");
  return `${match[1]}${Number(match[2]) + 1}`;
}

export async function containersOf(runId: string): Promise<string[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`sandcaster.run-id=${runId}`] },
  });
  return list.map((c) => `${c.Id.slice(0, 12)} ${c.State}`);
}

export async function localDirsOf(runId: string): Promise<string[]> {
  return (await readdir(tmpdir())).filter(
    (name) => name.startsWith("sandcaster-local-") && name.includes(runId),
  );
}

/** Live (non-zombie) processes whose command line mentions `marker`. */
export async function processesMentioning(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (cmdline.includes(marker) && state !== "Z") found.push(`${pid} ${cmdline.slice(0, 120)}`);
    } catch {
      // gone while we looked
    }
  }
  return found;
}

export async function leftovers(runId: string): Promise<string[]> {
  const containers = hasService("docker") ? await containersOf(runId) : [];
  return [...containers, ...(await localDirsOf(runId)), ...(await processesMentioning(runId))];
}

/**
 * Polls until nothing is left (removal runs after the stream ends) or the time is up: generous,
 * because removing a container on CI's loaded machine can take seconds.
 */
export async function expectNoLeftovers(runId: string, withinMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  let left = await leftovers(runId);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = await leftovers(runId);
  }
  return left;
}
