// What the gateway keeps for one open run: its token digest, its upstream (plus those of its
// sub-agents' other providers), its spend, and the calls in flight (cut when the run closes).
import { createHash, timingSafeEqual } from "node:crypto";
import type { ClientRequest } from "node:http";
import type { ModelProvider, Usage } from "@sandcaster/protocol";
import type { BudgetRefusal, RunSpend } from "./run-spend.js";
import type { Upstream } from "./upstream.js";

/** One model call as the gateway saw it: for the run's meter and for /metrics. */
export interface GatewayCall {
  runId: string;
  provider: ModelProvider;
  model: string;
  /** The provider's HTTP status; 502 when it could not be reached. */
  status: number;
  /** Absent when the answer reported none (an error, or a stream cut before usage). */
  usage?: Usage | undefined;
  costUsd?: number | undefined;
  /** Time spent in the gateway itself (request handling and answer head), not the provider's. */
  addedMs: number;
  /** When the gateway received the call and when its answer ended: epoch ms (fractional). */
  startedAt: number;
  endedAt: number;
}

export function tokenDigest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

export class GatewayRunState {
  readonly inFlight = new Set<ClientRequest>();
  closed = false;
  #budgetSignalled = false;
  readonly #digest: Buffer;
  readonly #upstreams = new Map<ModelProvider, Upstream>();

  constructor(
    readonly runId: string,
    readonly upstream: Upstream,
    readonly spend: RunSpend,
    token: string,
    private readonly hooks: {
      onCall?: ((call: GatewayCall) => void) | undefined;
      /** Told every call too (metrics), after onCall. */
      registry?: { notify(call: GatewayCall): void } | undefined;
      onBudgetExceeded?: ((refusal: BudgetRefusal) => void) | undefined;
    },
    /** Other providers the run's sub-agents call, on the same token, spend and budget. */
    more: readonly Upstream[] = [],
  ) {
    this.#digest = tokenDigest(token);
    this.#upstreams.set(upstream.provider, upstream);
    for (const other of more) this.#upstreams.set(other.provider, other);
  }

  get provider(): ModelProvider {
    return this.upstream.provider;
  }

  /** Every provider this run's token may call: its own, then its sub-agents' others. */
  get providers(): ModelProvider[] {
    return [...this.#upstreams.keys()];
  }

  /** Where a call to `provider` goes, if this run may call it. */
  upstreamOf(provider: ModelProvider): Upstream | undefined {
    return this.#upstreams.get(provider);
  }

  /** Constant-time: the token is the run's only credential. */
  accepts(token: string | undefined): boolean {
    if (this.closed || !token) return false;
    return timingSafeEqual(tokenDigest(token), this.#digest);
  }

  reportCall(call: Omit<GatewayCall, "runId" | "costUsd">): void {
    const costUsd = call.usage ? this.spend.record(call.model, call.usage) : undefined;
    this.spend.settle(); // after record: the hold gives way to what the call really cost
    const counted = { ...call, runId: this.runId, costUsd };
    this.hooks.onCall?.(counted);
    this.hooks.registry?.notify(counted);
  }

  /** Told once: the run ends with BUDGET_EXCEEDED; later refusals only answer the sandbox. */
  budgetExceeded(refusal: BudgetRefusal): void {
    if (this.#budgetSignalled) return;
    this.#budgetSignalled = true;
    this.hooks.onBudgetExceeded?.(refusal);
  }

  /** Revokes the token and cuts every call still streaming. */
  close(): void {
    this.closed = true;
    for (const request of this.inFlight) request.destroy();
    this.inFlight.clear();
  }
}
