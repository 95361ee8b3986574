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

/**
 * Made for every open run and held for its whole life (10,000 open runs): what most runs never
 * need (calls in flight, sub-agents' other upstreams) is made on first use.
 */
export class GatewayRunState {
  closed = false;
  #budgetSignalled = false;
  /** The token's SHA-256, hex: a string costs less to hold than a Buffer and its ArrayBuffer. */
  readonly #digest: string;
  /** Only when sub-agents call other providers; else the run's own upstream is the only one. */
  readonly #others: Map<ModelProvider, Upstream> | undefined;
  #inFlight: Set<ClientRequest> | undefined;

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
    this.#digest = tokenDigest(token).toString("hex");
    const others = more.filter((other) => other.provider !== upstream.provider);
    this.#others =
      others.length > 0 ? new Map(others.map((other) => [other.provider, other])) : undefined;
  }

  /** Model calls of this run still streaming. */
  get callsInFlight(): number {
    return this.#inFlight?.size ?? 0;
  }

  /** `request` is cut if the run closes before it ends; untrack() it when it does. */
  track(request: ClientRequest): void {
    this.#inFlight ??= new Set();
    this.#inFlight.add(request);
  }

  untrack(request: ClientRequest): void {
    this.#inFlight?.delete(request);
  }

  get provider(): ModelProvider {
    return this.upstream.provider;
  }

  /** Every provider this run's token may call: its own, then its sub-agents' others. */
  get providers(): ModelProvider[] {
    return [this.upstream.provider, ...(this.#others?.keys() ?? [])];
  }

  /** Where a call to `provider` goes, if this run may call it. */
  upstreamOf(provider: ModelProvider): Upstream | undefined {
    return provider === this.upstream.provider ? this.upstream : this.#others?.get(provider);
  }

  /** Constant-time: the token is the run's only credential. */
  accepts(token: string | undefined): boolean {
    if (this.closed || !token) return false;
    return timingSafeEqual(tokenDigest(token), Buffer.from(this.#digest, "hex"));
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
    for (const request of this.#inFlight ?? []) request.destroy();
    this.#inFlight = undefined;
  }
}
