// Small shared pieces of the CLI tests: the bridge address and an SSE reader that signals progress.
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
