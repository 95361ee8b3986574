// POSTs a query to a running server and yields its SSE events (eventsource-parser does the framing).
import type { QueryRequestInput, SandcasterEvent } from "@sandcaster/protocol";
import { EventSourceParserStream } from "eventsource-parser/stream";

export async function* queryRemote(
  url: string,
  request: QueryRequestInput,
  options: { apiKey?: string | undefined; signal: AbortSignal },
): AsyncGenerator<SandcasterEvent> {
  const response = await fetch(new URL("/query", url), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    },
    body: JSON.stringify(request),
    signal: options.signal,
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {}
    throw new Error(`server answered ${response.status}: ${message}`);
  }
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of events) {
    yield JSON.parse(message.data) as SandcasterEvent;
  }
}
