// Recorded runs of a server through @sandcaster/sdk: GET /runs (a page), /runs/:id, /runs/:id/events.
import { NotFoundError, RunFailedError, type SandcasterClient } from "@sandcaster/sdk";
import type { RunHistory, SeqEvent } from "../run-types.js";
import { explainServerError } from "./server-client.js";

export function remoteHistory(client: SandcasterClient, url: string): RunHistory {
  const explain = (error: unknown) => explainServerError(error, url, "runs");
  return {
    // One page of the SDK's runs listing (its next cursor comes back as nextCursor).
    list: (query) => client.runs.page(query).catch((error) => Promise.reject(explain(error))),
    async get(id) {
      try {
        return await client.runs.get(id);
      } catch (error) {
        if (NotFoundError.isInstance(error)) return undefined;
        throw explain(error);
      }
    },
    async *follow(id, { after, signal }): AsyncGenerator<SeqEvent> {
      const stream = client.runs.events(id, { after: after || undefined, signal });
      try {
        for await (const event of stream) {
          // lastEventId is this event's SSE id: the SDK sets it before handing the event on.
          yield { seq: stream.lastEventId, event: event as SeqEvent["event"] };
        }
      } catch (error) {
        if (signal.aborted) return; // Ctrl-C: we stopped following
        // Ended without an error event after `after`: the caller reads how from the record.
        if (RunFailedError.isInstance(error)) return;
        throw explain(error);
      }
    },
    close: async () => undefined,
  };
}
