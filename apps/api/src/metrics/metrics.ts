// createMetrics(): Prometheus metrics of runs, sandboxes, tokens and cost, in a registry of its own.
import type { GatewayRegistry, WarmPoolStats } from "@sandcaster/core";
import type { Usage } from "@sandcaster/protocol";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { registerEgressMetrics } from "./egress-metrics.js";
import { registerGatewayMetrics } from "./gateway-metrics.js";
import { providerLabel, sandboxLabel, statusLabel, type TokenKind } from "./labels.js";
import { registerPoolMetrics } from "./pool-metrics.js";

export const DEFAULT_METRICS_PREFIX = "sandcaster_";

/** 0.05 s … 1 h: a run is anything from an instant failure to the longest timeout (3600 s). */
export const RUN_DURATION_BUCKETS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600,
];
/** 0.01 s … 60 s: a local sandbox starts in milliseconds, a remote one in seconds. */
export const SANDBOX_ACQUIRE_BUCKETS: readonly number[] = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60,
];

/** Default process metrics that are gauges despite their `_total` suffix (see createMetrics). */
const MISNAMED_DEFAULT_GAUGES = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

export interface MetricsOptions {
  /** Warm pools whose state /metrics shows (read at every scrape). */
  pools?: () => readonly WarmPoolStats[];
  /** Defaults to a new Registry (never prom-client's global one). */
  registry?: Registry;
  /** Model gateway calls to count (the server passes core's sharedGatewayRegistry). */
  gateway?: GatewayRegistry;
  /** Prepended to every metric name, default metrics included. Default "sandcaster_". */
  prefix?: string;
  /** Process metrics (CPU, memory, event loop, GC…) via collectDefaultMetrics. Default true. */
  defaultMetrics?: boolean;
}

export interface RunLabels {
  /** Model provider; absent → "none", unknown → "other". */
  provider?: string | undefined;
  /** Sandbox provider; absent → "none", unknown → "other". */
  sandbox?: string | undefined;
}

export interface RunFinished extends RunLabels {
  /** completed | error | cancelled (unknown → "other"). */
  status: string;
  durationSecs: number;
  usage?: Usage | undefined;
  costUsd?: number | undefined;
}

export interface Metrics {
  readonly registry: Registry;
  runStarted(labels: RunLabels): void;
  runFinished(run: RunFinished): void;
  sandboxAcquired(sample: { sandbox?: string | undefined; seconds: number }): void;
  setActiveRuns(n: number): void;
  setQueuedRuns(n: number): void;
  /** Counts one connected SSE client; call the returned function (idempotent) when it leaves. */
  sseClientConnected(): () => void;
  /** Counts one connection the egress proxy refused (sandcaster_egress_denied_total{reason}). */
  egressDenied(denial: { kind?: string | undefined }): void;
  /** The Prometheus text exposition of every metric in the registry. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Counters only go up: negative, NaN and infinite amounts are dropped rather than thrown. */
const amount = (n: number | undefined): number =>
  n !== undefined && Number.isFinite(n) && n > 0 ? n : 0;
const level = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  const registers = [registry];

  const runsStarted = new Counter({
    name: `${prefix}runs_started_total`,
    help: "Runs started, by model provider and sandbox provider.",
    labelNames: ["provider", "sandbox"] as const,
    registers,
  });
  const runsFinished = new Counter({
    name: `${prefix}runs_finished_total`,
    help: "Runs finished, by final status, model provider and sandbox provider.",
    labelNames: ["status", "provider", "sandbox"] as const,
    registers,
  });
  const runDuration = new Histogram({
    name: `${prefix}run_duration_seconds`,
    help: "Wall-clock duration of finished runs, sandbox creation and teardown included.",
    labelNames: ["status", "sandbox"] as const,
    buckets: [...RUN_DURATION_BUCKETS],
    registers,
  });
  const sandboxAcquire = new Histogram({
    name: `${prefix}sandbox_acquire_seconds`,
    help: "Time to create and start a sandbox.",
    labelNames: ["sandbox"] as const,
    buckets: [...SANDBOX_ACQUIRE_BUCKETS],
    registers,
  });
  const activeRuns = new Gauge({
    name: `${prefix}active_runs`,
    help: "Runs in flight in this process.",
    registers,
  });
  const queuedRuns = new Gauge({
    name: `${prefix}queued_runs`,
    help: "Runs accepted but waiting for capacity in this process.",
    registers,
  });
  const sseClients = new Gauge({
    name: `${prefix}sse_clients`,
    help: "Clients connected to an event stream.",
    registers,
  });
  const tokens = new Counter({
    name: `${prefix}tokens_total`,
    help: "Model tokens of finished runs, by kind (input, output, cache_read, cache_write) and provider.",
    labelNames: ["kind", "provider"] as const,
    registers,
  });
  const cost = new Counter({
    name: `${prefix}cost_usd_total`,
    help: "Estimated model cost of finished runs in US dollars, by provider.",
    labelNames: ["provider"] as const,
    registers,
  });

  if (options.pools) registerPoolMetrics(registry, prefix, options.pools);
  if (options.gateway) registerGatewayMetrics(registry, prefix, options.gateway);
  const egress = registerEgressMetrics(registry, prefix);

  // A registry passed in may already carry the process metrics under this prefix.
  if (
    options.defaultMetrics !== false &&
    !registry.getSingleMetric(`${prefix}process_cpu_user_seconds_total`)
  ) {
    collectDefaultMetrics({ register: registry, prefix });
    // prom-client exports these sums as gauges ending in `_total`, which Prometheus reserves for
    // counters (promtool check metrics fails). The per-type gauges without the suffix stay:
    // `sum(sandcaster_nodejs_active_handles)` is the same number.
    for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(`${prefix}${name}`);
  }

  return {
    registry,
    runStarted(labels) {
      runsStarted.inc({
        provider: providerLabel(labels.provider),
        sandbox: sandboxLabel(labels.sandbox),
      });
    },
    runFinished(run) {
      const provider = providerLabel(run.provider);
      const sandbox = sandboxLabel(run.sandbox);
      const status = statusLabel(run.status);
      runsFinished.inc({ status, provider, sandbox });
      runDuration.observe({ status, sandbox }, level(run.durationSecs));
      if (run.usage) {
        const byKind: Record<TokenKind, number> = {
          input: run.usage.inputTokens,
          output: run.usage.outputTokens,
          cache_read: run.usage.cacheReadTokens,
          cache_write: run.usage.cacheWriteTokens,
        };
        for (const [kind, n] of Object.entries(byKind)) {
          const value = amount(n);
          if (value > 0) tokens.inc({ kind, provider }, value);
        }
      }
      const usd = amount(run.costUsd);
      if (usd > 0) cost.inc({ provider }, usd);
    },
    egressDenied: (denial) => egress.denied(denial),
    sandboxAcquired({ sandbox, seconds }) {
      sandboxAcquire.observe({ sandbox: sandboxLabel(sandbox) }, level(seconds));
    },
    setActiveRuns(n) {
      activeRuns.set(level(n));
    },
    setQueuedRuns(n) {
      queuedRuns.set(level(n));
    },
    sseClientConnected() {
      sseClients.inc();
      let connected = true;
      return () => {
        if (!connected) return;
        connected = false;
        sseClients.dec();
      };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
