// What a warm pool does to each sandbox it makes, beyond creating it (core's run phase starts an idle
// runner there): kept apart so the pool depends on no run code.
import type { Sandbox } from "./sandbox.js";

/** Work done on every pooled sandbox after it is created (e.g. starting an idle runner in it). */
export interface PoolPreparer {
  /** A failure counts as a failed creation: the sandbox is destroyed, never pooled. */
  prepare(sandbox: Sandbox, signal: AbortSignal): Promise<void>;
  /** Whether what prepare() started is still there; a sandbox that lost it is not handed out. */
  ready(sandbox: Sandbox): boolean;
  /** Whether it has also finished warming up (a runner idle with its SDKs loaded): handed out first. */
  warm?(sandbox: Sandbox): boolean;
}
