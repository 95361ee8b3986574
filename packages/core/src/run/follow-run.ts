// A run's stored events after a given seq, then the ones that follow, page by page, until the run
// has ended (on any instance) or `signal` aborts: what replay and `runs tail` both read. A store
// outage mid-stream is waited out (bounded), so a reader is not cut off by a database restart.
import { setTimeout as sleep } from "node:timers/promises";
import type { RunStore, StoredEvent } from "../store/run-store.js";
import { isStoreUnavailable } from "../store/store-unavailable-error.js";

const PAGE = 500;

export interface FollowOptions {
  /** How long one outage may last before the reader gives up (the error is thrown). Default 60 000. */
  outageMs?: number | undefined;
  /** Waits between attempts: from this, doubling, up to 1 s. Default 100. */
  retryMinMs?: number | undefined;
}

/** Runs `read` until it succeeds, through store outages of up to `outageMs`; other errors are thrown. */
async function retried<T>(
  read: () => Promise<T>,
  signal: AbortSignal,
  options: FollowOptions,
): Promise<T> {
  const outageMs = options.outageMs ?? 60_000;
  let delayMs = options.retryMinMs ?? 100;
  const since = Date.now();
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (!isStoreUnavailable(error) || signal.aborted || Date.now() - since >= outageMs)
        throw error;
    }
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    delayMs = Math.min(1000, delayMs * 2);
  }
}

export async function* followRunEvents(
  store: RunStore,
  runId: string,
  after: number,
  signal: AbortSignal,
  options: FollowOptions = {},
): AsyncGenerator<StoredEvent[]> {
  const wakeups = store.watchRun(runId, signal)[Symbol.asyncIterator]();
  try {
    for (;;) {
      // The status first: a run that ended before this read has all its events stored.
      const run = await retried(() => store.getRun(runId), signal, options);
      const ended = run?.status !== "running";
      for (;;) {
        const page = await retried(() => store.readEvents(runId, after, PAGE), signal, options);
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
