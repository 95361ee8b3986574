// Cancels runs when POST /runs/:id/cancel reached any instance: the store carries the request.
// Wake-ups of all watched runs are coalesced into one store query (not one query per run per wake).
// Also ends runs whose records the store could not take for too long (STORE_UNAVAILABLE).
import { ERROR_CODES } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { isDurableRunStore } from "../store/durable-run-store.js";
import type { RunStore } from "../store/run-store.js";
import { RunError } from "./run-error.js";

/**
 * Up to this many runs to check, the store is asked about exactly them; past it, for every running
 * run with a cancel request (an indexed query whose cost is the pending cancels), and the ids are
 * no longer collected: a poll wakes every watched run (SQLite: every 250 ms), and copying 10,000
 * ids each time cost an idle server CPU and a steadily growing heap.
 */
const MANY_RUNS = 100;

interface Watched {
  controller: AbortController;
  log: Logger;
  /** Ends the store's wake-ups for the run. */
  unwatch: () => void;
}

export class CancelWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly dirty = new Set<string>();
  /** More than MANY_RUNS woke since the last check: ask for all pending cancels. */
  private allDirty = false;
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
    const unwatch = this.store.subscribeRun(runId, () => this.markDirty(runId));
    const watched: Watched = { controller, log, unwatch };
    this.watched.set(runId, watched);
    this.markDirty(runId);
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

  private markDirty(runId: string): void {
    if (!this.allDirty) {
      this.dirty.add(runId);
      if (this.dirty.size > MANY_RUNS) {
        this.allDirty = true;
        this.dirty.clear();
      }
    }
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
    const all = this.allDirty;
    const ids = all
      ? []
      : [...this.dirty].filter((id) => {
          const run = this.watched.get(id);
          return run !== undefined && !run.controller.signal.aborted;
        });
    this.dirty.clear();
    this.allDirty = false;
    try {
      const found = all
        ? await this.store.runningWithCancelRequest()
        : ids.length > 0
          ? await this.store.cancelRequestedAmong(ids)
          : [];
      for (const runId of found) this.cancel(runId);
    } catch (error) {
      this.log.warn(
        { err: error, runs: all ? "all" : ids.length },
        "checking for cancel requests failed",
      );
    } finally {
      this.checking = false;
      if ((this.allDirty || this.dirty.size > 0) && !this.scheduled) {
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
