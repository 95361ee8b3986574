// Recorded runs of this machine's store (SANDCASTER_DB, store.path or DATABASE_URL), no server needed.
import { createRunStore, loadConfig, type RunStore } from "@sandcaster/core";
import type { RunHistory, SeqEvent } from "../run-types.js";

const PAGE = 500;

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

/** The same loop GET /runs/:id/events runs: stored events after `after`, then wait for more. */
async function* followStored(
  store: RunStore,
  runId: string,
  after: number,
  signal: AbortSignal,
): AsyncGenerator<SeqEvent> {
  const wakeups = store.watchRun(runId, signal)[Symbol.asyncIterator]();
  // The store's polling timers are unref'd (a server never waits on them); with nothing else
  // pending, this process would exit in the middle of the wait.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    for (;;) {
      // The status first: a run that ended before this read has all its events stored.
      const ended = (await store.getRun(runId))?.status !== "running";
      for (;;) {
        const page = await store.readEvents(runId, after, PAGE);
        for (const { seq, event } of page) {
          yield { seq, event };
          after = seq;
        }
        if (page.length < PAGE || signal.aborted) break;
      }
      if (ended || signal.aborted) return;
      if ((await wakeups.next()).done) return;
    }
  } finally {
    clearInterval(keepAlive);
    await wakeups.return?.();
  }
}
