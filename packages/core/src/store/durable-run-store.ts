// A RunStore that survives its database going away: run writes are queued and retried (RunOutbox),
// and every other call fails as StoreUnavailableError (HTTP 503) instead of a driver error.

import type { StallListener } from "./outbox-stalls.js";
import { type OutboxStats, RunOutbox, type RunOutboxOptions } from "./run-outbox.js";
import type { NewRun, RunOutcome, RunStore, StoredEvent } from "./run-store.js";
import { StoreUnavailableError, storeError } from "./store-unavailable-error.js";

export interface DurableRunStoreOptions extends RunOutboxOptions {
  /**
   * createRun and finishRun wait this long for their write (the client's stream ends after it);
   * after that it goes on in the background, and they reject with StoreUnavailableError (their
   * caller must not act as if it were stored). Default 10 000.
   */
  settleMs?: number | undefined;
  /** close() waits this long for queued writes. Default 10 000. */
  closeWaitMs?: number | undefined;
}

export interface DurableRunStore extends RunStore {
  /** Hears runs whose writes are stuck; their instance ends them with STORE_UNAVAILABLE. */
  onStall(listener: StallListener): () => void;
  /** appendEvents without a promise to wait for (the hot path: one call per event). */
  queueEvents(runId: string, events: readonly StoredEvent[]): void;
  /** Resolves once every event queued so far for `runId` is stored. */
  eventsStored(runId: string): Promise<void>;
  outboxStats(): OutboxStats;
  /**
   * Gives up a run whose createRun failed (see RunOutbox.withdraw): its record is never written, or
   * is ended with `outcome` and `terminal` if it lands anyway.
   */
  withdrawRun(runId: string, outcome: RunOutcome, terminal?: StoredEvent): void;
  /**
   * Epoch ms when this store was last found unavailable (by a call or a write round); 0 if never.
   * A sweeper waits a whole stale period after it: other instances could not stamp their runs.
   */
  lastOutageAt(): number;
  /** Resolves true once every queued write landed (or was given up), false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>;
}

const DURABLE = Symbol.for("sandcaster.durable-run-store");

export function isDurableRunStore(store: RunStore): store is DurableRunStore {
  return DURABLE in store;
}

/** Epoch ms when a call of this process last found a store unavailable. */
const outages = { last: 0 };

/** Calls `call`; a failure that means "the store cannot be reached" becomes StoreUnavailableError. */
async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const translatedError = storeError(error);
    if (StoreUnavailableError.isInstance(translatedError)) outages.last = Date.now();
    throw translatedError;
  }
}

/** Every method of a store part (sessions, agents), with its errors translated. */
function translatedStore<T extends object>(inner: T): T {
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        translated(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/** `write`, or after `ms` `late()` (the write goes on). */
function settle(
  write: Promise<void>,
  ms: number,
  late: () => void = () => undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    write,
    new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        try {
          late();
          resolve();
        } catch (error) {
          reject(error);
        }
      }, ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

const late = (what: string) => () => {
  throw new StoreUnavailableError(new Error(`the run's ${what} is still waiting for the store`));
};

/** Wraps `inner` (which it then owns: close() closes it). */
export function createDurableRunStore(
  inner: RunStore,
  options: DurableRunStoreOptions,
): DurableRunStore {
  if (isDurableRunStore(inner)) return inner;
  const outbox = new RunOutbox(inner, options);
  const settleMs = options.settleMs ?? 10_000;
  let closing: Promise<void> | undefined;

  return {
    [DURABLE]: true,
    sessions: translatedStore(inner.sessions),
    // Webhook deliveries retry on their own schedule (claim, lease, sweep): no outbox needed.
    webhooks: inner.webhooks,
    // Deploys, rollbacks and secrets are answered to their caller: an outage is their 503
    // STORE_UNAVAILABLE (translated here), never a driver error's 500.
    agents: inner.agents ? translatedStore(inner.agents) : undefined,
    migrate: () => translated(() => inner.migrate()),

    createRun: (run: NewRun) => settle(outbox.record(run), settleMs, late("record")),
    finishRun: (id: string, outcome: RunOutcome, terminal?: StoredEvent) => {
      const write = outbox.finish(id, outcome, terminal);
      // Given up (the run ended elsewhere): said by the promise below, or nobody waits any more.
      write.catch(() => undefined);
      return settle(write, settleMs, late("outcome"));
    },
    appendEvents: (runId: string, events: readonly StoredEvent[]) => outbox.events(runId, events),
    async appendEventBatches(batches) {
      await Promise.all(batches.map((batch) => outbox.events(batch.runId, batch.events)));
    },
    async reserveEventIds(runId: string, upTo: number) {
      outbox.reserve(runId, upTo);
    },

    // Best effort, like the E2B webhook it serves: createRun has normally landed by now.
    recordSandbox: (id, sandboxId) => translated(() => inner.recordSandbox(id, sandboxId)),
    recordAdmission: (id, facts) => translated(() => inner.recordAdmission(id, facts)),
    getRun: (id) => translated(() => inner.getRun(id)),
    listRuns: (query) => translated(() => inner.listRuns(query)),
    failRunIfRunning: (id, error, endedAt, terminal) =>
      translated(() => inner.failRunIfRunning(id, error, endedAt, terminal)),
    recordWebhookEvent: (source, id, at) =>
      translated(() => inner.recordWebhookEvent(source, id, at)),
    appendEventAtEnd: (runId, event) => translated(() => inner.appendEventAtEnd(runId, event)),
    readEvents: (runId, after, limit) => translated(() => inner.readEvents(runId, after, limit)),
    pruneEvents: (before) => translated(() => inner.pruneEvents(before)),
    requestCancel: (runId) => translated(() => inner.requestCancel(runId)),
    isCancelRequested: (runId) => translated(() => inner.isCancelRequested(runId)),
    runningWithCancelRequest: () => translated(() => inner.runningWithCancelRequest()),
    watchRun: (runId, signal) => inner.watchRun(runId, signal),
    subscribeRun: inner.subscribeRun.bind(inner),
    notifyRun: (runId) => translated(() => inner.notifyRun(runId)),
    notifyRuns: (ids) => translated(() => inner.notifyRuns(ids)),
    // Runs whose writes still wait are stamped too: no sweeper declares them lost meanwhile.
    touchRuns: (ids, now) =>
      translated(() => inner.touchRuns([...new Set([...ids, ...outbox.pendingRunIds()])], now)),
    failStaleRuns: (before, error, now) =>
      translated(() => inner.failStaleRuns(before, error, now)),
    ping: () => translated(() => inner.ping()),

    queueEvents: (runId: string, events: readonly StoredEvent[]) => {
      outbox.queue(runId, events);
    },
    onStall: (listener) => outbox.onStall(listener),
    eventsStored: (runId) => outbox.eventsOf(runId),
    outboxStats: () => outbox.stats(),
    withdrawRun: (runId: string, outcome: RunOutcome, terminal?: StoredEvent) =>
      outbox.withdraw(runId, outcome, terminal),
    drain: (timeoutMs: number) => outbox.drain(timeoutMs),
    lastOutageAt: () => Math.max(outages.last, outbox.lastFailedAt),

    close() {
      closing ??= (async () => {
        await outbox.drain(options.closeWaitMs ?? 10_000);
        outbox.close();
        await inner.close();
      })();
      return closing;
    },
  } as DurableRunStore;
}
