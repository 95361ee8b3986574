// Recorded runs of a server, through the remote client (GET /runs, /runs/:id, /runs/:id/events).
import type { RunHistory } from "../run-types.js";
import type { RemoteClient } from "./remote-client.js";

export function remoteHistory(client: RemoteClient): RunHistory {
  return {
    list: (query) => client.listRuns(query),
    get: (id) => client.getRun(id),
    async *follow(id, { after, signal }) {
      const stream = await client.runEvents(id, { after, signal });
      try {
        yield* stream.events;
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    },
    close: async () => undefined,
  };
}
