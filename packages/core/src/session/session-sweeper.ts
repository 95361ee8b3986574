// Expires idle sessions (and frees their workspaces) at once — so a restart catches up — and then
// every `everyMs`.
import type { Logger } from "pino";
import type { SessionService } from "./session-service.js";

export function sweepSessionsPeriodically(
  sessions: SessionService,
  logger: Logger,
  everyMs = 15_000,
): () => void {
  const stop = new AbortController();
  let busy = false;
  const sweep = async () => {
    if (busy || stop.signal.aborted) return;
    busy = true;
    try {
      const freed = await sessions.sweepExpired(new Date(), stop.signal);
      if (freed > 0) logger.info({ freed }, "expired idle sessions");
    } catch (error) {
      if (!stop.signal.aborted) logger.warn({ err: error }, "session sweep failed");
    } finally {
      busy = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    stop.abort();
  };
}
