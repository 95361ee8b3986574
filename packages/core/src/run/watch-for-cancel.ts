// Cancels a run when POST /runs/:id/cancel reached any instance: the store carries the request.
import type { Logger } from "pino";
import type { RunStore } from "../store/run-store.js";
import { RunError } from "./run-error.js";

/** Starts watching; returns the function that stops it. */
export function watchForCancel(
  runId: string,
  store: RunStore,
  controller: AbortController,
  log: Logger,
): () => void {
  const stop = new AbortController();
  void (async () => {
    try {
      for await (const _ of store.watchRun(runId, stop.signal)) {
        if (stop.signal.aborted || controller.signal.aborted) return;
        if (await store.isCancelRequested(runId)) {
          log.info("cancel requested");
          controller.abort(
            new RunError("CANCELLED", "the run was cancelled (POST /runs/:id/cancel)"),
          );
          return;
        }
      }
    } catch (error) {
      if (!stop.signal.aborted) log.warn({ err: error }, "watching for cancel requests failed");
    }
  })();
  return () => stop.abort();
}
