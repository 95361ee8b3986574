// Reads an SSE response body as run events with their ids (eventsource-parser does the framing).
import type { SandcasterEvent } from "@sandcaster/protocol";
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { SeqEvent } from "../run-types.js";

export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SeqEvent> {
  const messages = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of messages) {
    let event: unknown;
    try {
      event = JSON.parse(message.data);
    } catch {
      continue; // not an event: nothing to show
    }
    if (!event || typeof (event as { type?: unknown }).type !== "string") continue;
    const seq = message.id === undefined ? Number.NaN : Number(message.id);
    yield {
      seq: Number.isSafeInteger(seq) ? seq : undefined,
      event: event as SandcasterEvent,
    };
  }
}
