// WorkspaceHolds: a session sandbox runs while something of this server uses it, and is paused after.
//
// A turn, an export and an import each hold the workspace: acquire() resumes it (or joins it if
// already running), release() lets go, and the last one out pauses it. A resume never races a
// pause still in flight: it waits for the pause to finish first. This covers one server process;
// across processes the server must not run two operations on one session at once.
import type { Sandbox as SdkSandbox } from "e2b";

export interface WorkspaceHoldsInit {
  /** Connects to (and so resumes) the sandbox; rejects as the SDK does. */
  connect(ref: string, timeoutMs: number, signal: AbortSignal): Promise<SdkSandbox>;
  /** Pauses it; resolves when it is paused or already gone. */
  pause(ref: string): Promise<void>;
  /** Whether a failed connect means the sandbox is gone (then there is nothing to pause). */
  isGone(error: unknown): boolean;
}

interface Entry {
  count: number;
  /** Set while the last holder's pause is in flight; never rejects. */
  pausing: Promise<void> | undefined;
}

export class WorkspaceHolds {
  readonly #init: WorkspaceHoldsInit;
  readonly #entries = new Map<string, Entry>();

  constructor(init: WorkspaceHoldsInit) {
    this.#init = init;
  }

  /** Resumes the sandbox for one more holder, for at least `timeoutMs` from now. */
  async acquire(ref: string, timeoutMs: number, signal: AbortSignal): Promise<SdkSandbox> {
    let entry = this.#entries.get(ref);
    while (entry?.pausing) {
      await entry.pausing;
      // Once paused, the entry may be gone from the map: look again.
      entry = this.#entries.get(ref);
    }
    if (!entry) {
      entry = { count: 0, pausing: undefined };
      this.#entries.set(ref, entry);
    }
    entry.count += 1;
    try {
      return await this.#init.connect(ref, timeoutMs, signal);
    } catch (error) {
      // An aborted or failed connect may still have resumed it: pause unless it is gone.
      void this.release(ref, { pause: !this.#init.isGone(error) }).catch(() => {});
      throw error;
    }
  }

  /**
   * One holder lets go; the last one pauses the sandbox (rejects when that pause failed: the
   * sandbox then runs until its timeout pauses it).
   */
  release(ref: string, options: { pause?: boolean } = {}): Promise<void> {
    const entry = this.#entries.get(ref);
    if (!entry || entry.count === 0) return Promise.resolve();
    entry.count -= 1;
    if (entry.count > 0) return Promise.resolve();
    if (options.pause === false) {
      this.#entries.delete(ref);
      return Promise.resolve();
    }
    const pausing = this.#init.pause(ref);
    entry.pausing = pausing.then(
      () => {},
      () => {},
    );
    void entry.pausing.then(() => {
      entry.pausing = undefined;
      if (entry.count === 0 && this.#entries.get(ref) === entry) this.#entries.delete(ref);
    });
    return pausing;
  }

  /** How many holders the workspace has in this process (0 when paused or unknown). */
  holders(ref: string): number {
    return this.#entries.get(ref)?.count ?? 0;
  }
}
