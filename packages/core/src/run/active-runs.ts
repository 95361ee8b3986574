// The runs in flight in this process, so shutdown can wait for them and then cancel what is left.
import { RunError } from "./run-error.js";

export class ActiveRuns {
  private readonly runs = new Map<
    string,
    { controller: AbortController; done: Promise<unknown> }
  >();

  get size(): number {
    return this.runs.size;
  }

  /** Tracks a run until `done` settles; `controller` cancels it. */
  track(runId: string, controller: AbortController, done: Promise<unknown>): void {
    this.runs.set(runId, { controller, done });
    void done.finally(() => this.runs.delete(runId)).catch(() => undefined);
  }

  cancelAll(message: string): void {
    for (const { controller } of this.runs.values())
      controller.abort(new RunError("CANCELLED", message));
  }

  /** Resolves true when every run has finished, false when `timeoutMs` passed first. */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    const all = Promise.allSettled([...this.runs.values()].map((r) => r.done)).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const idle = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return idle;
  }
}
