// Reads an SSE body into messages (id, event, data) as bytes arrive; a silent connection times out.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { whenAborted } from "./abort.js";
import { APIConnectionTimeoutError } from "./errors.js";

export type { EventSourceMessage };

export interface ReadSseOptions {
  /** Aborting it stops the read at once; the generator throws the signal's reason. */
  signal: AbortSignal;
  /** Longest wait for any bytes (events or `: heartbeat` comments); 0 waits forever. */
  idleTimeoutMs: number;
}

type Chunk = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleTimeoutMs: number,
  aborted: Promise<never>,
): Promise<Chunk> {
  if (idleTimeoutMs <= 0) return Promise.race([reader.read(), aborted]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new APIConnectionTimeoutError(`the stream sent nothing for ${idleTimeoutMs} ms`)),
      idleTimeoutMs,
    );
  });
  return Promise.race([reader.read(), aborted, idle]).finally(() => clearTimeout(timer));
}

/**
 * Yields every complete message; returns when the server ends the body cleanly. A message cut off
 * by the end of the body is dropped, as the SSE spec says: its event is read again on resume.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  options: ReadSseOptions,
): AsyncGenerator<EventSourceMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => messages.push(message) });
  const aborted = whenAborted(options.signal);
  let ended = false;
  try {
    for (;;) {
      const chunk = await readWithin(reader, options.idleTimeoutMs, aborted.promise);
      if (chunk.done) {
        ended = true;
        return;
      }
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      for (const message of messages.splice(0)) yield message;
    }
  } finally {
    aborted.off();
    // Not awaited: a consumer leaving early must not wait on the network.
    if (!ended) reader.cancel().catch(() => undefined);
  }
}
