// The open runs by token, for the gateway routes on the public HTTP app (remote sandboxes), and
// one place where /metrics hears about every call.

import { type GatewayCall, type GatewayRunState, tokenDigest } from "./gateway-run-state.js";
import type { BudgetRefusal } from "./run-spend.js";

export class GatewayRegistry {
  readonly #runs = new Map<string, GatewayRunState>();
  readonly #listeners = new Set<(call: GatewayCall) => void>();

  /** Lookup by the token's digest: the map never holds a token, and a guess costs a hash. */
  find(token: string): GatewayRunState | undefined {
    const run = this.#runs.get(tokenDigest(token).toString("hex"));
    return run?.accepts(token) ? run : undefined;
  }

  add(token: string, run: GatewayRunState): void {
    this.#runs.set(tokenDigest(token).toString("hex"), run);
  }

  /** Not a function returned by add: an open run would hold that closure as long as it is open. */
  delete(token: string): void {
    this.#runs.delete(tokenDigest(token).toString("hex"));
  }

  get openRuns(): number {
    return this.#runs.size;
  }

  /** Every call of every run (metrics); returns the unsubscribe. */
  onCall(listener: (call: GatewayCall) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  notify(call: GatewayCall): void {
    for (const listener of this.#listeners) listener(call);
  }
}

/** The process's registry: the server's runs, its gateway route and its metrics share it. */
export const sharedGatewayRegistry = new GatewayRegistry();

export type { BudgetRefusal };
