// A warm pool per agent: sandboxes made ahead from the active version's template, holding no
// secret (secrets reach only the agent's process, at invoke). A deploy or rollback that changes
// the active version replaces the agent's pool; invocations already running keep their sandbox.
import type { Logger } from "pino";
import { pooledProvider } from "../sandbox/pooled-provider.js";
import type { SandboxLimits, SandboxProvider } from "../sandbox/sandbox.js";
import { WarmPool, type WarmPoolStats } from "../sandbox/warm-pool.js";

export interface AgentPoolSettings {
  /** Sandboxes kept warm per agent; 0 turns pooling off (every invocation starts cold). */
  size: number;
  maxAgeSecs: number;
  logger: Logger;
}

interface AgentPool {
  key: string;
  pool: WarmPool;
  provider: SandboxProvider;
}

export type PoolLimits = Omit<SandboxLimits, "timeoutMs">;

export class AgentPools {
  readonly #pools = new Map<string, AgentPool>();

  constructor(private readonly settings: AgentPoolSettings) {}

  /**
   * The provider an invocation takes its sandbox from: the agent's pool in front of `base` (the
   * version's template provider), made anew when `version` (number, template id) or the limits
   * changed.
   */
  provider(
    name: string,
    version: readonly [number, string],
    base: SandboxProvider,
    limits: PoolLimits,
  ): SandboxProvider {
    if (this.settings.size <= 0) return base;
    // Limits are part of the key: a pool whose sandboxes do not fit the run would never serve.
    const key = JSON.stringify([version, limits]);
    const existing = this.#pools.get(name);
    if (existing?.key === key) return existing.provider;
    if (existing) void existing.pool.close();
    const pool = new WarmPool(base, {
      size: this.settings.size,
      maxAgeSecs: this.settings.maxAgeSecs,
      limits,
      logger: this.settings.logger,
    });
    const made: AgentPool = { key, pool, provider: pooledProvider(pool) };
    this.#pools.set(name, made);
    return made.provider;
  }

  stats(name: string): WarmPoolStats | undefined {
    return this.#pools.get(name)?.pool.stats();
  }

  /** Destroys the agent's idle sandboxes (delete). */
  async release(name: string): Promise<void> {
    const existing = this.#pools.get(name);
    this.#pools.delete(name);
    await existing?.pool.close();
  }

  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(all.map((entry) => entry.pool.close()));
  }
}
