// Whether this instance takes a run now: not while draining, and only with a free concurrency slot
// (a bounded queue waits for one); the queue and run gauges follow every change.
import {
  isDurableRunStore,
  type RunSlots,
  RunSlotsFullError,
  type RunStore,
  StoreUnavailableError,
} from "@sandcaster/core";
import { HttpError } from "../http-error.js";
import type { Metrics } from "../metrics/index.js";

export function refuseWhileDraining(isDraining: () => boolean): void {
  if (!isDraining()) return;
  throw new HttpError(503, "SHUTTING_DOWN", "this instance is shutting down; retry on another", {
    headers: { "Retry-After": "1" },
  });
}

/** The outbox's writes must have failed this long before new runs are refused (a blip is not an outage). */
export const STORE_DOWN_AFTER_MS = 1000;

/**
 * Refuses a new run (503 STORE_UNAVAILABLE with Retry-After) while the store's queued writes keep
 * failing: such a run could not be recorded and would end with STORE_UNAVAILABLE once it stalls.
 */
export function refuseWhileStoreDown(store: RunStore): void {
  if (!isDurableRunStore(store)) return;
  const { failingForMs } = store.outboxStats();
  if (failingForMs < STORE_DOWN_AFTER_MS) return;
  throw new StoreUnavailableError(
    new Error(`run store writes have been failing for ${Math.round(failingForMs / 1000)}s`),
  );
}

/**
 * Waits for a slot (or refuses with 429); resolves to the function that gives it back.
 * `onQueued` is told at once when the run has to wait (the route then answers before the slot).
 * Without `signal` a queued run keeps its place when its client leaves (onDisconnect "continue");
 * a function is only called when the run has to wait.
 */
export async function admitRun(
  slots: RunSlots,
  metrics: Metrics,
  isDraining: () => boolean,
  signal: AbortSignal | (() => AbortSignal) | undefined,
  onQueued?: (ahead: number) => void,
): Promise<() => void> {
  // Checked again: planning took time, and a drain may have begun meanwhile.
  refuseWhileDraining(isDraining);
  const updateGauges = () => {
    metrics.setActiveRuns(slots.active);
    metrics.setQueuedRuns(slots.queued);
  };
  try {
    const before = slots.queued;
    const pending = slots.acquire(signal);
    metrics.setQueuedRuns(slots.queued);
    if (slots.queued > before) onQueued?.(before);
    const release = await pending;
    updateGauges();
    return () => {
      release();
      updateGauges();
    };
  } catch (error) {
    updateGauges();
    if (RunSlotsFullError.isInstance(error)) {
      throw new HttpError(429, error.code, `${error.message}; retry in ${error.retryAfterSecs}s`, {
        headers: { "Retry-After": String(error.retryAfterSecs) },
      });
    }
    throw new HttpError(400, "CLIENT_CLOSED", "the client left while the run was queued");
  }
}
