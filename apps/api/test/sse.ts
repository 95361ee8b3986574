// Reads an SSE response the way a client does: raw frames (id/event/data lines) parsed as they arrive.
import type { SandcasterEvent } from "@sandcaster/protocol";
import { EventSourceParserStream } from "eventsource-parser/stream";

export interface ReceivedEvent {
  id: string | undefined;
  event: string | undefined;
  data: SandcasterEvent;
  /** ms since the request was sent */
  at: number;
}

export async function postQuery(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  return fetch(new URL("/query", url), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** Collects events; `until` may stop early (the rest of the body is then cancelled). */
export async function readEvents(
  response: Response,
  options: { started?: number; until?: (event: ReceivedEvent) => boolean } = {},
): Promise<ReceivedEvent[]> {
  const started = options.started ?? performance.now();
  if (!response.body) throw new Error("no body");
  const stream = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  const reader = stream.getReader();
  const events: ReceivedEvent[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const received = {
      id: value.id,
      event: value.event,
      data: JSON.parse(value.data),
      at: performance.now() - started,
    };
    events.push(received);
    if (options.until?.(received)) {
      await reader.cancel();
      break;
    }
  }
  return events;
}

export function types(events: ReceivedEvent[]): string[] {
  return events.map((e) => e.data.type);
}
