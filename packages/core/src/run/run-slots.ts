// Bounds concurrent runs per instance: a fixed number run, a bounded queue waits, the rest are refused.
import { SandcasterError } from "../errors/sandcaster-error.js";

const MARKER = Symbol.for("sandcaster.run-slots-full");

export class RunSlotsFullError extends SandcasterError {
  readonly [MARKER] = true;
  declare readonly code: "TOO_MANY_RUNS";
  constructor(
    message: string,
    /** Seconds a client should wait before trying again. */
    readonly retryAfterSecs: number,
  ) {
    super("TOO_MANY_RUNS", message);
    this.name = "RunSlotsFullError";
  }

  static override isInstance(value: unknown): value is RunSlotsFullError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}

interface Waiter {
  grant: () => void;
  refuse: (error: Error) => void;
}

export class RunSlots {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly maxRunning: number,
    private readonly maxQueued: number,
    private readonly queueTimeoutMs: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with the release function once a slot is free; rejects when full, timed out or aborted.
   * `leave` may be a function: it is only called when the run has to wait (an AbortSignal costs
   * ~0.75 KB of heap once made, held as long as the run's stream is open).
   */
  acquire(leave?: AbortSignal | (() => AbortSignal)): Promise<() => void> {
    if (this.running < this.maxRunning) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    const retryAfter = Math.max(1, Math.ceil(this.queueTimeoutMs / 2000));
    if (this.waiting.length >= this.maxQueued || this.queueTimeoutMs === 0) {
      return Promise.reject(
        new RunSlotsFullError(
          `this instance runs ${this.maxRunning} runs at once and its queue is full`,
          retryAfter,
        ),
      );
    }
    const signal = typeof leave === "function" ? leave() : leave;
    return new Promise((resolve, reject) => {
      const leaveQueue = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          leaveQueue();
          resolve(this.releaser());
        },
        refuse: (error) => {
          leaveQueue();
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.refuse(new RunSlotsFullError("no run slot became free in time", retryAfter)),
        this.queueTimeoutMs,
      );
      const onAbort = () => waiter.refuse(new Error("the client left while queued"));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting[0];
      // The slot passes straight to the next waiter, so `running` does not change.
      if (next) next.grant();
      else this.running--;
    };
  }
}
