// Feeds a run's SSE response into a run view, event by event.
import { readSse } from "./sse.js";

/** @typedef {ReturnType<typeof import("./run-view.js").createRunView>} RunView */

/**
 * Resolves when the stream ends (the view is then told); rejects when reading fails.
 * @param {Response} response
 * @param {RunView} view
 */
export async function pipeEvents(response, view) {
  if (!response.body) throw new Error("the response has no body");
  for await (const message of readSse(response.body)) {
    const seq = message.id === undefined ? undefined : Number(message.id);
    try {
      view.add(JSON.parse(message.data), seq);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      view.add(
        {
          type: "warning",
          code: "UNREADABLE_EVENT",
          content: `event ${message.id ?? "?"} is not JSON`,
        },
        seq,
      );
    }
  }
  view.end();
}
