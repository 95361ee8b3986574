// Recorded runs of this machine's store (SANDCASTER_DB, store.path or DATABASE_URL), no server needed.
import { createRunStore, followRunEvents, loadConfig, type RunStore } from "@sandcaster/core";
import type { RunHistory, SeqEvent } from "../run-types.js";

export async function storeHistory(options: {
  configPath: string | undefined;
  env: NodeJS.ProcessEnv;
}): Promise<RunHistory> {
  const { env } = options;
  const { config } = await loadConfig(options.configPath ?? env.SANDCASTER_CONFIG);
  const store = createRunStore({
    databaseUrl: env.DATABASE_URL,
    sqlitePath: env.SANDCASTER_DB ?? config.store.path,
  });
  await store.migrate();
  return {
    list: (query) => store.listRuns(query),
    get: (id) => store.getRun(id),
    follow: (id, options) => followStored(store, id, options.after, options.signal),
    close: () => store.close(),
  };
}

/** Core's replay-then-follow loop (the one GET /runs/:id/events runs), event by event. */
async function* followStored(
  store: RunStore,
  runId: string,
  after: number,
  signal: AbortSignal,
): AsyncGenerator<SeqEvent> {
  // The store's polling timers are unref'd (a server never waits on them); with nothing else
  // pending, this process would exit in the middle of the wait.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    for await (const page of followRunEvents(store, runId, after, signal)) {
      for (const { seq, event } of page) yield { seq, event };
    }
  } finally {
    clearInterval(keepAlive);
  }
}
