// The one way this server writes SSE: frames laid out as hono's writeSSE does (event, data, id),
// many frames per write, a heartbeat comment while idle, proxy buffering off, clients counted.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { Metrics } from "../metrics/index.js";

export interface SseEvent {
  seq: number;
  event: SandcasterEvent;
  /** The event's JSON when already serialised. */
  json?: string | undefined;
}

export function sseFrame({ seq, event, json }: SseEvent): string {
  return `event: ${event.type}\ndata: ${json ?? JSON.stringify(event)}\nid: ${seq}\n\n`;
}

/** Writes events as one chunk; false once the client is gone. */
export async function writeEvents(
  stream: SSEStreamingApi,
  events: readonly SseEvent[],
): Promise<boolean> {
  if (stream.aborted) return false;
  if (events.length > 0) await stream.write(events.map(sseFrame).join(""));
  return !stream.aborted;
}

/** Answers with an event stream for `runId`; `body` writes to it and its end closes it. */
export function streamRunEvents(
  c: Context,
  options: { runId: string; heartbeatMs: number; metrics: Metrics },
  body: (stream: SSEStreamingApi) => Promise<void>,
): Response {
  c.header("X-Run-Id", options.runId);
  c.header("X-Accel-Buffering", "no");
  c.header("Cache-Control", "no-cache");
  return streamSSE(c, async (stream) => {
    const leave = options.metrics.sseClientConnected();
    const heartbeat = setInterval(() => void stream.write(": heartbeat\n\n"), options.heartbeatMs);
    try {
      await body(stream);
    } finally {
      clearInterval(heartbeat);
      leave();
    }
  });
}
