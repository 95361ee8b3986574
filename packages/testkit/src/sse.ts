// Writes Server-Sent Events to a node:http response, with a turn's pacing and its abrupt cut.
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

export interface SseEvent {
  /** The `event:` line; omitted for providers that only send `data:` lines (OpenAI, Gemini). */
  event?: string;
  /** A string is written verbatim (OpenAI's `[DONE]`); anything else as one line of JSON. */
  data: unknown;
}

export interface SsePacing {
  cutAfterEvents?: number | undefined;
  chunkDelayMs?: number | undefined;
  /** Aborted when the double closes, so pacing never outlives the server. */
  signal?: AbortSignal | undefined;
}

/** How the stream ended: all events and a clean end, a scripted cut, or the client went away. */
export type SseOutcome = "complete" | "cut" | "gone";

export function formatSse(event: SseEvent): string {
  // JSON.stringify escapes newlines, so one `data:` line always holds the whole payload.
  const data = typeof event.data === "string" ? event.data : JSON.stringify(event.data);
  return `${event.event === undefined ? "" : `event: ${event.event}\n`}data: ${data}\n\n`;
}

export async function writeSse(
  res: ServerResponse,
  events: SseEvent[],
  pacing: SsePacing,
  headers: Record<string, string> = {},
): Promise<SseOutcome> {
  res.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  // Headers go out before any event so a cut after 0 events is a broken 200 stream, which SDKs
  // treat differently from a connection that never answered.
  res.flushHeaders();
  const cutAt = pacing.cutAfterEvents;
  for (const [index, event] of events.entries()) {
    if (cutAt !== undefined && index >= cutAt) break;
    if (index > 0 && pacing.chunkDelayMs) {
      await sleep(pacing.chunkDelayMs, undefined, { signal: pacing.signal });
    }
    if (!(await write(res, formatSse(event)))) return "gone";
  }
  if (cutAt !== undefined) {
    // No terminating chunk: the client sees the body end mid-stream, like a dropped connection.
    res.socket?.destroy();
    return "cut";
  }
  res.end();
  return "complete";
}

/**
 * Resolves once the chunk reached the socket, so a cut that follows never drops events that were
 * only buffered. False when the client is gone.
 */
function write(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    res.write(chunk, (error) => resolve(!error));
  });
}
