// Small shared pieces of the CLI tests: the bridge address, an SSE reader that signals progress, and
// what a local run may leave behind.
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import type { SandcasterEvent } from "@sandcaster/protocol";
import Docker from "dockerode";
import { EventSourceParserStream } from "eventsource-parser/stream";

export async function bridgeGateway(): Promise<string> {
  const info = (await new Docker().getNetwork("bridge").inspect()) as {
    IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
  };
  const config = info.IPAM?.Config?.find((c) => c.Subnet?.includes("."));
  if (config?.Gateway) return config.Gateway;
  const match = /^(\d+\.\d+\.\d+\.)(\d+)\//.exec(config?.Subnet ?? "");
  if (!match) throw new Error("cannot tell the docker bridge gateway");
  return `${match[1]}${Number(match[2]) + 1}`;
}

/** Reads every event; `reached` resolves once an event of `type` has arrived. */
export function readUntil(response: Response, type: string) {
  let reach: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const all = (async () => {
    const events: SandcasterEvent[] = [];
    if (!response.body) return events;
    const stream = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    try {
      for await (const message of stream) {
        const event = JSON.parse(message.data) as SandcasterEvent;
        events.push(event);
        if (event.type === type) reach();
      }
    } catch {
      // the server went away: what arrived is what we have
    }
    return events;
  })();
  return { reached, all };
}

/** What a local run may leave: its sandbox dir under tmpdir, or processes naming its id. */
export async function localLeftovers(runId: string): Promise<string[]> {
  const dirs = (await readdir(tmpdir())).filter((d) => d.includes(runId));
  const processes: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (cmdline.includes(runId) && state !== "Z") processes.push(`${pid} ${cmdline}`);
    } catch {
      // gone while we looked
    }
  }
  return [...dirs, ...processes];
}

/** Polls until nothing of the run is left, or the time is up; returns what is left. */
export async function expectNoLocalLeftovers(runId: string, withinMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  let left = await localLeftovers(runId);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = await localLeftovers(runId);
  }
  return left;
}
