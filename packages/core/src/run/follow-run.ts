// A run's stored events after a given seq, then the ones that follow, page by page, until the run
// has ended (on any instance) or `signal` aborts: what replay and `runs tail` both read.
import type { RunStore, StoredEvent } from "../store/run-store.js";

const PAGE = 500;

export async function* followRunEvents(
  store: RunStore,
  runId: string,
  after: number,
  signal: AbortSignal,
): AsyncGenerator<StoredEvent[]> {
  const wakeups = store.watchRun(runId, signal)[Symbol.asyncIterator]();
  try {
    for (;;) {
      // The status first: a run that ended before this read has all its events stored.
      const ended = (await store.getRun(runId))?.status !== "running";
      for (;;) {
        const page = await store.readEvents(runId, after, PAGE);
        if (page.length > 0) {
          yield page;
          after = page[page.length - 1]?.seq ?? after;
        }
        if (page.length < PAGE || signal.aborted) break;
      }
      if (ended || signal.aborted) return;
      if ((await wakeups.next()).done) return;
    }
  } finally {
    await wakeups.return?.();
  }
}
