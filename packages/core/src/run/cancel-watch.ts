// Cancels runs when POST /runs/:id/cancel reached any instance: the store carries the request.
// Wake-ups of all watched runs are coalesced into one store query (not one query per run per wake).
// Also ends runs whose records the store could not take for too long (STORE_UNAVAILABLE).
import { ERROR_CODES } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { isDurableRunStore } from "../store/durable-run-store.js";
import type { RunStore } from "../store/run-store.js";
import { RunError } from "./run-error.js";

interface Watched {
  controller: AbortController;
  log: Logger;
  /** Ends the store's wake-ups for the run. */
  unwatch: () => void;
}

export class CancelWatch {
  private readonly watched = new Map<string, Watched>();
  /** A watched run woke since the last check. */
  private dirty = false;
  private scheduled = false;
  private checking = false;

  constructor(
    private readonly store: RunStore,
    private readonly log: Logger,
  ) {
    // A run that goes on while nothing of it can be stored would end with a history full of holes.
    if (isDurableRunStore(store)) {
      store.onStall((runId, message) => this.fail(runId, message));
    }
  }

  /** Starts watching `runId`; returns the function that stops it. */
  watch(runId: string, controller: AbortController, log: Logger): () => void {
    const unwatch = this.store.subscribeRun(runId, () => this.markDirty());
    const watched: Watched = { controller, log, unwatch };
    this.watched.set(runId, watched);
    this.markDirty();
    return () => {
      if (this.watched.get(runId) === watched) this.watched.delete(runId);
      // Called as the run ends: a store failing to stop its wake-ups must not keep it from ending.
      try {
        unwatch();
      } catch (error) {
        log.warn({ err: error }, "stopping the watch for cancel requests failed");
      }
    };
  }

  /**
   * Any wake-up, of one run or of all (a poll's tick wakes every watched run: SQLite every 250 ms),
   * leads to one query for the running runs with a pending cancel, whose cost is the number of
   * pending cancels, not of runs watched: naming 10,000 ids four times a second kept an idle server
   * busy and its heap growing.
   */
  private markDirty(): void {
    this.dirty = true;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.check());
  }

  private async check(): Promise<void> {
    this.scheduled = false;
    if (this.checking) {
      // The running check reschedules when it ends.
      return;
    }
    this.checking = true;
    this.dirty = false;
    try {
      for (const runId of await this.store.runningWithCancelRequest()) this.cancel(runId);
    } catch (error) {
      this.log.warn({ err: error }, "checking for cancel requests failed");
    } finally {
      this.checking = false;
      if (this.dirty && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.check());
      }
    }
  }

  /** Ends a watched run with STORE_UNAVAILABLE (a run not watched here is not ours, or over). */
  private fail(runId: string, message: string): void {
    const run = this.watched.get(runId);
    if (run === undefined || run.controller.signal.aborted) return;
    run.log.warn({ reason: message }, "ending the run: the store cannot take its records");
    run.controller.abort(
      new RunError(
        ERROR_CODES.STORE_UNAVAILABLE,
        `the run was stopped: ${message}`,
        "retry the run once the server's database is reachable again",
      ),
    );
  }

  private cancel(runId: string): void {
    const run = this.watched.get(runId);
    if (run === undefined || run.controller.signal.aborted) return;
    run.log.info("cancel requested");
    run.controller.abort(
      new RunError("CANCELLED", "the run was cancelled (POST /runs/:id/cancel)"),
    );
  }
}

const shared = new WeakMap<RunStore, CancelWatch>();

/** One watch per store in a process, so that all runs share its queries. */
export function sharedCancelWatch(store: RunStore, log: Logger): CancelWatch {
  let watch = shared.get(store);
  if (watch === undefined) {
    watch = new CancelWatch(store, log);
    shared.set(store, watch);
  }
  return watch;
}
