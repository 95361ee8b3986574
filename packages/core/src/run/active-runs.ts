// The runs in flight in this process, so shutdown can wait for them and then cancel what is left.
import { RunError } from "./run-error.js";

export class ActiveRuns {
  private readonly runs = new Map<
    string,
    { controller: AbortController; done: Promise<unknown> }
  >();
  private cancelNew: string | undefined;

  get size(): number {
    return this.runs.size;
  }

  ids(): string[] {
    return [...this.runs.keys()];
  }

  /** Tracks a run until `done` settles; `controller` cancels it. */
  track(runId: string, controller: AbortController, done: Promise<unknown>): void {
    if (this.cancelNew !== undefined) controller.abort(new RunError("CANCELLED", this.cancelNew));
    this.runs.set(runId, { controller, done });
    // One reaction, not finally's and catch's chain: it waits for as long as the run is open.
    const untrack = () => {
      this.runs.delete(runId);
    };
    done.then(untrack, untrack);
  }

  /** Stops one run of this process with `reason`; false when it does not run here. */
  abort(runId: string, reason: RunError): boolean {
    const run = this.runs.get(runId);
    run?.controller.abort(reason);
    return run !== undefined;
  }

  /** Cancels every run, and every run tracked from now on: the server is shutting down. */
  cancelAll(message: string): void {
    this.cancelNew = message;
    for (const { controller } of this.runs.values())
      controller.abort(new RunError("CANCELLED", message));
  }

  /**
   * Resolves true once no run is left (runs that start while waiting count too), false when
   * `timeoutMs` passed first.
   */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.runs.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
      });
      await Promise.race([Promise.allSettled([...this.runs.values()].map((r) => r.done)), timeout]);
      clearTimeout(timer);
    }
    return true;
  }
}
