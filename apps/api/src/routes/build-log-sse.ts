// A build's log as SSE (a template's, an agent version's): `log` frames as lines arrive, live, then
// one `status` frame when the build has ended. Shared by GET /templates/:id/logs and
// GET /agents/:name/logs.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";

export interface BuildLogSource {
  /** Calls onLine with each line, then with undefined once the build ended; returns unsubscribe. */
  follow(onLine: (line: string | undefined) => void): () => void;
  /** The status frame's data, read when the build has ended. */
  status(): unknown;
}

export function buildLogSse(c: Context, source: BuildLogSource): Response {
  c.header("Cache-Control", "no-cache");
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    // `undefined` in the queue is the build's end.
    const queue: (string | undefined)[] = [];
    let wake: (() => void) | undefined;
    const stop = source.follow((line) => {
      queue.push(line);
      wake?.();
    });
    stream.onAbort(() => wake?.());
    try {
      while (!stream.aborted) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const line = queue.shift();
        if (line === undefined) {
          await stream.writeSSE({ event: "status", data: JSON.stringify(await source.status()) });
          return;
        }
        await stream.writeSSE({ event: "log", data: JSON.stringify({ line }) });
      }
    } finally {
      stop();
    }
  });
}
