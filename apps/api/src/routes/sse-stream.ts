// The one way this server writes SSE: frames laid out as hono's writeSSE does (event, data, id),
// many frames per write, a heartbeat comment while idle, proxy buffering off, clients counted.
// The body is written straight to Node's response (sse-node-body.ts) when served by Node, else an
// SseBody (sse-body.ts): 10,000 open streams must fit in one server's memory.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { Context } from "hono";
import type { Metrics } from "../metrics/index.js";
import { heartbeat, SseBody, type SseStream } from "./sse-body.js";
import {
  ALREADY_SENT_HEADER,
  alreadySentResponse,
  directResponse,
  NodeSseBody,
} from "./sse-node-body.js";

export type { SseStream } from "./sse-body.js";

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
  stream: SseStream,
  events: readonly SseEvent[],
): Promise<boolean> {
  if (stream.aborted) return false;
  if (events.length > 0) {
    let chunk = "";
    for (const event of events) chunk += sseFrame(event);
    await stream.write(chunk);
  }
  return !stream.aborted;
}

/** Answers with an event stream for `runId`; `body` writes to it and its end closes it. */
export function streamRunEvents(
  c: Context,
  options: { runId: string; heartbeatMs: number; metrics: Metrics },
  body: (stream: SseStream) => Promise<void>,
): Response {
  const outgoing = directResponse(c);
  const stream = outgoing ? new NodeSseBody(outgoing, c) : new SseBody();
  const leave = options.metrics.sseClientConnected();
  const stopBeating = heartbeat(stream, options.heartbeatMs);
  const end = () => {
    stopBeating();
    leave();
    stream.close();
  };
  // One reaction for as long as the stream is open (not catch's and finally's chain).
  body(stream).then(end, (error: unknown) => {
    // The stream's headers are gone: the error can only end it (as hono's streamSSE does).
    console.error(error);
    end();
  });
  const headers: Record<string, string> = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
    // Tells @hono/node-server to stream at once (it reads ahead of the headers otherwise).
    "Transfer-Encoding": "chunked",
    "X-Accel-Buffering": "no",
    "X-Run-Id": options.runId,
  };
  if (stream instanceof SseBody) return c.newResponse(stream.readable, 200, headers);
  // Written by the body itself once the middleware are done (startNodeSseBodies).
  const prepared = c.newResponse(null, 200, { ...headers, [ALREADY_SENT_HEADER]: "true" });
  return alreadySentResponse(prepared);
}
