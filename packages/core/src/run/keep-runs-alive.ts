// Stamps this instance's running runs as alive, and ends runs whose instance stopped stamping (it died).
import type { Logger } from "pino";
import type { RunStore } from "../store/run-store.js";
import type { ActiveRuns } from "./active-runs.js";

export interface KeepAliveOptions {
  store: RunStore;
  activeRuns: ActiveRuns;
  heartbeatMs: number;
  staleAfterMs: number;
  logger: Logger;
}

/** Runs one round at once (so a restarted server reaps what its predecessor left), then every heartbeat. */
export function keepRunsAlive(options: KeepAliveOptions): () => void {
  const { store, activeRuns, logger } = options;
  let busy = false;
  const round = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = new Date();
      await store.touchRuns(activeRuns.ids(), now);
      const error = {
        code: "SERVER_LOST",
        message: "the server running this run stopped (killed or crashed)",
      };
      const lost = await store.failStaleRuns(
        new Date(now.getTime() - options.staleAfterMs),
        error,
        now,
      );
      for (const runId of lost) {
        logger.warn({ runId }, "run marked error: its server stopped stamping it");
        // A client replaying the run sees how it ended, as with any other error.
        await store
          .appendEventAtEnd(runId, { type: "error", code: error.code, content: error.message })
          .catch((err: unknown) => logger.warn({ err, runId }, "could not record SERVER_LOST"));
        await store.notifyRun(runId);
      }
    } catch (error) {
      logger.warn({ err: error }, "run liveness round failed");
    } finally {
      busy = false;
    }
  };
  void round();
  const timer = setInterval(() => void round(), options.heartbeatMs);
  timer.unref();
  return () => clearInterval(timer);
}
