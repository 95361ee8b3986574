// A warm pool in front of a sandbox provider: sandboxes created ahead of demand, health-checked
// before hand-out, recycled after maxAgeSecs, refilled in the background. Each is used by exactly
// one run and destroyed after it (the pool never takes one back). Pooled sandboxes are created
// with no environment at all: keys and per-run env reach only the runner process at spawn time.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { PoolPreparer } from "./pool-preparer.js";
import type { CreateSandboxOptions, Sandbox, SandboxLimits, SandboxProvider } from "./sandbox.js";

/** The longest run timeout a request may ask for (protocol: timeout ≤ 3600 s). */
const MAX_RUN_TIMEOUT_MS = 3600 * 1000;
const HEALTH_TIMEOUT_MS = 1000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** Sandboxes created at once while filling, so a refill never floods the provider. */
const MAX_PARALLEL_CREATES = 2;
/**
 * A hand-out's replacement starts this much later: making it (and booting its runner) takes the
 * same cores as the run just handed a sandbox, whose way to its first model request comes first.
 */
const REFILL_AFTER_HANDOUT_MS = 150;
/** Consecutive failed creations after which the pool reports itself unable to fill. */
const FAILURES_BEFORE_UNHEALTHY = 3;

/** Sandboxes handed out warm (for traces: a pooled start, not a cold one). */
const handedOutWarm = new WeakSet<Sandbox>();

/** Whether `sandbox` came warm out of a pool rather than being created for its run. */
export function wasPooled(sandbox: Sandbox): boolean {
  return handedOutWarm.has(sandbox);
}

export interface WarmPoolOptions {
  size: number;
  maxAgeSecs: number;
  /** What every pooled sandbox is created with; a run asking for other limits gets a cold one. */
  limits: Omit<SandboxLimits, "timeoutMs">;
  logger: Logger;
  preparer?: PoolPreparer | undefined;
  /**
   * What the pool is for, telling pools on one provider apart on /metrics and /ready: "default"
   * (the provider's own pool, the default) or "template:<name>".
   */
  name?: string;
}

export interface WarmPoolStats {
  provider: string;
  /** The pool's name (WarmPoolOptions.name). */
  pool: string;
  size: number;
  ready: number;
  /** Of the ready ones, those also warmed up, with what they boot ahead up (all of them when nothing is prepared or booted ahead in them). */
  warm: number;
  creating: number;
  hits: number;
  misses: number;
  /** Creations that failed since the last success. */
  failures: number;
}

interface Idle {
  sandbox: Sandbox;
  createdAt: number;
  /** What the sandbox boots ahead for the run's end (sandbox.prestart) is up. */
  ahead: boolean;
}

export class WarmPool {
  private readonly idle: Idle[] = [];
  private creating = 0;
  private hits = 0;
  private misses = 0;
  private failures = 0;
  private lastError: string | undefined;
  private created = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private refillTimer: NodeJS.Timeout | undefined;
  private readonly recycleTimer: NodeJS.Timeout;
  private readonly stop = new AbortController();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    readonly provider: SandboxProvider,
    private readonly options: WarmPoolOptions,
  ) {
    const everyMs = Math.min(Math.max((options.maxAgeSecs * 1000) / 4, 1000), 60_000);
    this.recycleTimer = setInterval(() => this.recycle(), everyMs);
    this.recycleTimer.unref();
    this.fill();
  }

  stats(): WarmPoolStats {
    return {
      provider: this.provider.name,
      pool: this.name,
      size: this.options.size,
      ready: this.idle.length,
      warm: this.idle.filter((entry) => this.isWarm(entry)).length,
      creating: this.creating,
      hits: this.hits,
      misses: this.misses,
      failures: this.failures,
    };
  }

  /** The pool's name: "default" or what options.name says. */
  get name(): string {
    return this.options.name ?? "default";
  }

  /**
   * Why the pool cannot serve warm sandboxes (for /ready), or undefined while it is fine.
   * `filling: false` leaves a pool still filling alone (only one that cannot fill is a problem).
   */
  problem({ filling = true }: { filling?: boolean } = {}): string | undefined {
    const which = `the ${this.provider.name} warm pool${this.name === "default" ? "" : ` ${this.name}`}`;
    if (this.failures >= FAILURES_BEFORE_UNHEALTHY) {
      return `${which} cannot fill: ${this.lastError ?? "unknown error"}`;
    }
    if (filling && this.created < this.options.size && this.idle.length < this.options.size) {
      return `${which} is still filling (${this.idle.length}/${this.options.size})`;
    }
    return undefined;
  }

  /** A warm sandbox when one fits and is healthy, else a cold one from the provider. */
  async acquire(options: CreateSandboxOptions): Promise<Sandbox> {
    options.signal.throwIfAborted();
    if (this.fits(options)) {
      for (;;) {
        const entry = this.takeIdle();
        if (entry === undefined) break;
        const healthy = !this.expired(entry) && (await this.healthy(entry.sandbox, options.signal));
        if (options.signal.aborted) {
          // The run went away while we looked: the check was cut short, so the sandbox was not
          // judged; it goes back (the next acquire checks it again).
          this.idle.unshift(entry);
          options.signal.throwIfAborted();
        }
        if (!healthy || !(await this.adopted(entry.sandbox, options))) {
          this.discard(entry.sandbox);
          continue;
        }
        this.hits++;
        handedOutWarm.add(entry.sandbox);
        this.refillSoon();
        return entry.sandbox;
      }
    }
    this.misses++;
    this.fill();
    return this.provider.create(options);
  }

  /** Stops filling and destroys every pooled sandbox, also those still being created. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort(new Error("the warm pool is closing"));
    clearInterval(this.recycleTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.refillTimer);
    const idle = this.idle.splice(0);
    await Promise.all([...idle.map((entry) => entry.sandbox.destroy()), ...this.pending]);
  }

  private fits(options: CreateSandboxOptions): boolean {
    const wanted = this.options.limits;
    return (
      // A session's turn needs its workspace mounted at creation: never a pre-made sandbox.
      options.workspace === undefined &&
      Object.keys(options.env).length === 0 &&
      options.limits.memoryMb === wanted.memoryMb &&
      options.limits.cpus === wanted.cpus &&
      options.limits.pids === wanted.pids &&
      options.limits.network === wanted.network &&
      options.limits.timeoutMs <= MAX_RUN_TIMEOUT_MS
    );
  }

  /** The oldest warmed-up sandbox, else the oldest (still warming, but already made). */
  private takeIdle(): Idle | undefined {
    const index = this.idle.findIndex((entry) => this.isWarm(entry));
    return index > 0 ? this.idle.splice(index, 1)[0] : this.idle.shift();
  }

  private isWarm(entry: Idle): boolean {
    // A run handed a sandbox where a Node process is still starting shares the CPU with it.
    return entry.ahead && (this.options.preparer?.warm?.(entry.sandbox) ?? true);
  }

  private expired(entry: Idle): boolean {
    return Date.now() - entry.createdAt > this.options.maxAgeSecs * 1000;
  }

  private async healthy(sandbox: Sandbox, signal: AbortSignal): Promise<boolean> {
    const preparer = this.options.preparer;
    if (preparer) {
      // What the preparer started (an idle runner) may leave the sandbox "running". That process
      // still running in it is the health check: no provider round trip (docker: an inspect) on
      // the way to the run's first model request.
      if (sandbox.state !== "running" && sandbox.state !== "ready") return false;
      return preparer.ready(sandbox);
    }
    if (sandbox.state !== "ready") return false;
    if (!sandbox.checkHealth) return true;
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(HEALTH_TIMEOUT_MS)]);
    return sandbox.checkHealth(timeout).catch(() => false);
  }

  /** The run's own settings applied to a pre-made sandbox (e2b: its egress policy). */
  private async adopted(sandbox: Sandbox, options: CreateSandboxOptions): Promise<boolean> {
    if (!sandbox.adopt) return true;
    return sandbox.adopt(options).then(
      () => true,
      (error: unknown) => {
        this.options.logger.warn(
          { err: error },
          "a pooled sandbox could not take the run's settings",
        );
        return false;
      },
    );
  }

  private discard(sandbox: Sandbox): void {
    this.track(sandbox.destroy());
  }

  private recycle(): void {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const entry = this.idle[i];
      if (entry && this.expired(entry)) {
        this.idle.splice(i, 1);
        this.discard(entry.sandbox);
      }
    }
    this.fill();
  }

  private refillSoon(): void {
    if (this.refillTimer !== undefined) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.fill();
    }, REFILL_AFTER_HANDOUT_MS);
    this.refillTimer.unref();
  }

  private fill(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    while (
      this.idle.length + this.creating < this.options.size &&
      this.creating < MAX_PARALLEL_CREATES
    ) {
      this.creating++;
      this.track(this.createOne());
    }
  }

  private async createOne(): Promise<void> {
    try {
      const sandbox = await this.provider.create({
        runId: `pool_${randomUUID()}`,
        env: {},
        limits: {
          ...this.options.limits,
          // The dead-man switch must outlast the pool's keeping plus the longest run.
          timeoutMs: this.options.maxAgeSecs * 1000 + MAX_RUN_TIMEOUT_MS,
        },
        signal: this.stop.signal,
      });
      // Off any run's way, while the preparer copies the runner in; a failed one only costs the
      // run's end a boot (it then starts its own).
      const ahead = sandbox.prestart?.();
      try {
        await this.options.preparer?.prepare(sandbox, this.stop.signal);
      } catch (error) {
        await sandbox.destroy().catch(() => undefined);
        throw error;
      }
      this.failures = 0;
      this.created++;
      if (this.closed) {
        await sandbox.destroy();
        return;
      }
      const entry: Idle = { sandbox, createdAt: Date.now(), ahead: ahead === undefined };
      this.idle.push(entry);
      void ahead?.then(() => {
        entry.ahead = true;
      });
    } catch (error) {
      if (this.closed) return;
      this.failures++;
      this.lastError = error instanceof Error ? error.message : String(error);
      const delayMs = Math.min(BACKOFF_MIN_MS * 2 ** (this.failures - 1), BACKOFF_MAX_MS);
      this.options.logger.warn(
        { provider: this.provider.name, failures: this.failures, retryInMs: delayMs, err: error },
        "warm pool: creating a sandbox failed",
      );
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.fill();
      }, delayMs);
      this.retryTimer.unref();
    } finally {
      this.creating--;
    }
    this.fill();
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
