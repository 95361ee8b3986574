// Stamps this instance's running runs as alive, and ends runs whose instance stopped stamping (it died).
import type { Logger } from "pino";
import { isDurableRunStore } from "../store/durable-run-store.js";
import type { RunStore } from "../store/run-store.js";
import type { ActiveRuns } from "./active-runs.js";

export interface KeepAliveOptions {
  store: RunStore;
  activeRuns: ActiveRuns;
  heartbeatMs: number;
  staleAfterMs: number;
  logger: Logger;
  /** How long stopping waits for this instance's queued run writes to land. Default 10 000. */
  drainMs?: number | undefined;
}

const SERVER_LOST = {
  code: "SERVER_LOST",
  message: "the server running this run stopped (killed or crashed)",
};

/**
 * Runs one round at once, then every heartbeat. Runs are only declared lost once this instance has
 * reached the store for a whole `staleAfterMs` without a failure: while the store was down no
 * instance could stamp its runs, and a sweep right after an outage would end live runs everywhere.
 * So a restarted server reaps what its predecessor left `staleAfterMs` after it starts.
 *
 * The function it returns stops it, once every run write this instance still has queued landed (or
 * `drainMs` passed): until then its runs stay stamped, so no sweeper elsewhere declares a run lost
 * whose end (which its client may be waiting for) is on its way to the store.
 */
export function keepRunsAlive(options: KeepAliveOptions): () => Promise<void> {
  const { store, activeRuns, logger } = options;
  /** Epoch ms when the round in progress began; 0 when none is. */
  let busy = 0;
  /** Since when every round reached the store. */
  let healthySince = Date.now();
  let lastTick = Date.now();
  const round = async () => {
    // A late tick or a slow round means this instance's runs went unstamped that long: said, since
    // past staleAfterMs another instance declares them lost while they run.
    const tick = Date.now();
    const lateMs = tick - lastTick - options.heartbeatMs;
    lastTick = tick;
    if (lateMs > options.heartbeatMs) {
      logger.warn({ lateMs }, "run liveness: a round came late (the event loop was blocked)");
    }
    if (busy) {
      logger.warn({ sinceMs: tick - busy }, "run liveness: the previous round is still running");
      return;
    }
    busy = tick;
    try {
      const now = new Date();
      await store.touchRuns(activeRuns.ids(), now);
      const tookMs = Date.now() - tick;
      if (tookMs > options.heartbeatMs) {
        logger.warn({ tookMs, runs: activeRuns.size }, "run liveness: stamping was slow");
      }
      // Any call of this process that found the store away counts: its rounds may just have missed it.
      if (isDurableRunStore(store)) healthySince = Math.max(healthySince, store.lastOutageAt());
      if (now.getTime() - healthySince < options.staleAfterMs) return;
      // The terminal event is stored with the status, after every id the run may have sent.
      const lost = await store.failStaleRuns(
        new Date(now.getTime() - options.staleAfterMs),
        SERVER_LOST,
        now,
      );
      for (const runId of lost) {
        logger.warn({ runId }, "run marked error: its server stopped stamping it");
        await store.notifyRun(runId).catch(() => undefined);
      }
    } catch (error) {
      healthySince = Date.now();
      logger.warn({ err: error }, "run liveness round failed");
    } finally {
      busy = 0;
    }
  };
  void round();
  const timer = setInterval(() => void round(), options.heartbeatMs);
  timer.unref();
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      if (isDurableRunStore(store)) {
        const drained = await store.drain(options.drainMs ?? 10_000);
        if (!drained) {
          logger.warn(store.outboxStats(), "stopping with run writes the store never took");
        }
      }
      clearInterval(timer);
    })();
    return stopping;
  };
}
