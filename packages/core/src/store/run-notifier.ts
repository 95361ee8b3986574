// Wake-ups for watchers of a run: the RunNotifier seam, its fan-out hub and the polling notifier.

/** How a store tells watchers of a run that something changed; differs per database. */
export interface RunNotifier {
  /** Wakes the watchers of `runId`, in this process and, where the database can, in others. */
  notify(runId: string): Promise<void>;
  /** notify() for several runs at once (one round trip where the database allows). */
  notifyMany?(runIds: readonly string[]): Promise<void>;
  /**
   * Yields whenever `runId` may have changed (spurious wake-ups are allowed, rapid ones coalesce);
   * ends when `signal` aborts or the notifier closes. Subscribes at once, before iteration starts.
   */
  watch(runId: string, signal: AbortSignal): AsyncIterable<void>;
  /**
   * Calls `onWake` whenever `runId` may have changed (as watch() yields) until the returned
   * function is called or the notifier closes. For a watcher held for a run's whole life: no
   * AbortSignal, iterator and pending promise each (10,000 open runs hold 10,000 of them).
   */
  subscribe(runId: string, onWake: () => void): () => void;
  /** Ends every watch and releases timers and connections. */
  close?(): Promise<void>;
}

/** The slice of a pino logger the stores use. */
export interface RunStoreLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export const consoleRunStoreLogger: RunStoreLogger = {
  warn: (obj, msg) => console.warn(msg, obj),
};

interface Watcher {
  /** A wake-up arrived while nobody was waiting: the next next() returns at once. */
  pending: boolean;
  done: boolean;
  waiting: ((result: IteratorResult<void>) => void)[];
  /** A subscriber's callback: called on every wake-up instead of resolving `waiting`. */
  onWake?: (() => void) | undefined;
  end(): void;
}

const WAKE: IteratorResult<void> = { done: false, value: undefined };
const DONE: IteratorResult<void> = { done: true, value: undefined };

/** Fans wake-ups out to the watchers of each run id. */
export class WakeHub {
  private readonly byRun = new Map<string, Set<Watcher>>();
  private count = 0;

  /** `onCountChange` hears the number of live watchers after each change. */
  constructor(private readonly onCountChange: (count: number) => void = () => {}) {}

  get size(): number {
    return this.count;
  }

  wake(runId: string): void {
    for (const watcher of this.byRun.get(runId) ?? []) fire(watcher);
  }

  wakeAll(): void {
    for (const watchers of this.byRun.values()) for (const watcher of watchers) fire(watcher);
  }

  endAll(): void {
    for (const watchers of [...this.byRun.values()])
      for (const watcher of [...watchers]) watcher.end();
  }

  /** Calls `onWake` on every wake-up of `runId` until the returned function (or endAll) ends it. */
  subscribe(runId: string, onWake: () => void): () => void {
    const watcher: Watcher = {
      pending: false,
      done: false,
      waiting: NONE_WAITING,
      onWake,
      end: () => {},
    };
    watcher.end = () => this.remove(runId, watcher);
    this.add(runId, watcher);
    return watcher.end;
  }

  watch(runId: string, signal: AbortSignal): AsyncIterable<void> {
    const watcher: Watcher = { pending: false, done: false, waiting: [], end: () => {} };
    if (signal.aborted) {
      watcher.done = true;
    } else {
      const onAbort = () => watcher.end();
      watcher.end = () => {
        if (watcher.done) return;
        signal.removeEventListener("abort", onAbort);
        this.remove(runId, watcher);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.add(runId, watcher);
    }
    const iterator: AsyncIterator<void> = {
      next: () => {
        if (watcher.done) return Promise.resolve(DONE);
        if (watcher.pending) {
          watcher.pending = false;
          return Promise.resolve(WAKE);
        }
        return new Promise((resolve) => watcher.waiting.push(resolve));
      },
      return: () => {
        watcher.end();
        return Promise.resolve(DONE);
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  private add(runId: string, watcher: Watcher): void {
    let set = this.byRun.get(runId);
    if (set === undefined) {
      set = new Set();
      this.byRun.set(runId, set);
    }
    set.add(watcher);
    this.count++;
    this.onCountChange(this.count);
  }

  private remove(runId: string, watcher: Watcher): void {
    if (watcher.done) return;
    watcher.done = true;
    const set = this.byRun.get(runId);
    set?.delete(watcher);
    if (set?.size === 0) this.byRun.delete(runId);
    this.count--;
    for (const resolve of watcher.waiting.splice(0)) resolve(DONE);
    this.onCountChange(this.count);
  }
}

/** A subscriber never waits: one shared (always empty) list for all of them. */
const NONE_WAITING: Watcher["waiting"] = [];

function fire(watcher: Watcher): void {
  if (watcher.done) return;
  if (watcher.onWake) {
    watcher.onWake();
    return;
  }
  const resolve = watcher.waiting.shift();
  if (resolve === undefined) watcher.pending = true;
  else resolve(WAKE);
}

export interface PollingNotifierOptions {
  /** How often to look for changes made by other processes. Default 250. */
  intervalMs?: number | undefined;
  /**
   * Whether another connection changed the database since the last call (SQLite's
   * `PRAGMA data_version`). When given, a tick wakes the watchers only then: this process's own
   * changes wake theirs through notify(). Without it, every tick wakes every watcher.
   */
  changedElsewhere?: (() => boolean) | undefined;
}

/**
 * For databases that cannot push (SQLite): notify() wakes watchers in this process at once, and
 * every `intervalMs` the watchers wake so that other processes' changes are seen: all of them,
 * and only when `changedElsewhere` says there were such changes. An idle instance holding 10,000
 * open runs thus costs one cheap probe a tick, not 10,000 wake-ups and the reads they lead to.
 * Another process hears of a change through its commit, not through this notify().
 */
export function createPollingNotifier(options: PollingNotifierOptions = {}): RunNotifier {
  const intervalMs = Math.max(1, options.intervalMs ?? 250);
  const changedElsewhere = options.changedElsewhere;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const tick = () => {
    let changed = true;
    try {
      changed = changedElsewhere?.() ?? true;
    } catch {
      // Cannot tell (the database is closing): a spurious wake-up is allowed, a missed one is not.
    }
    if (changed) hub.wakeAll();
  };
  const hub = new WakeHub((count) => {
    if (count > 0 && timer === undefined && !closed) {
      // The baseline: what changed before the first watcher came, it reads for itself.
      try {
        changedElsewhere?.();
      } catch {
        // the first tick wakes everybody
      }
      timer = setInterval(tick, intervalMs);
      timer.unref();
    } else if (count === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  });
  return {
    async notify(runId: string) {
      hub.wake(runId);
    },
    async notifyMany(runIds: readonly string[]) {
      for (const runId of runIds) hub.wake(runId);
    },
    watch(runId: string, signal: AbortSignal) {
      return closed ? hub.watch(runId, AbortSignal.abort()) : hub.watch(runId, signal);
    },
    subscribe(runId: string, onWake: () => void) {
      return closed ? () => {} : hub.subscribe(runId, onWake);
    },
    async close() {
      closed = true;
      hub.endAll();
    },
  };
}
