// Warm pool state on /metrics: ready, warmed-up and creating sandboxes, hits and misses, read at
// scrape time.
import type { WarmPoolStats } from "@sandcaster/core";
import { Counter, Gauge, type Registry } from "prom-client";
import { sandboxLabel } from "./labels.js";

type Pick = (s: WarmPoolStats) => number;

const GAUGES: [name: string, help: string, pick: Pick][] = [
  [
    "pool_ready",
    "Warm sandboxes ready to be handed out, by sandbox provider and pool.",
    (s) => s.ready,
  ],
  [
    "pool_warm",
    "Ready warm sandboxes whose pre-booted runner has warmed up (SDKs loaded, first request rehearsed), by sandbox provider and pool.",
    (s) => s.warm,
  ],
  [
    "pool_creating",
    "Warm sandboxes being created, by sandbox provider and pool.",
    (s) => s.creating,
  ],
  ["pool_size", "Configured warm pool size, by sandbox provider and pool.", (s) => s.size],
];

const COUNTERS: [name: string, help: string, pick: Pick][] = [
  ["pool_hits_total", "Runs that got a warm sandbox from the pool.", (s) => s.hits],
  [
    "pool_misses_total",
    "Runs of a pooled provider that had to create a cold sandbox (pool empty or not fitting).",
    (s) => s.misses,
  ],
];

/** Registers the pool metrics; `stats` is asked at every scrape. */
export function registerPoolMetrics(
  registry: Registry,
  prefix: string,
  stats: () => readonly WarmPoolStats[],
): void {
  const registers = [registry];
  // Pools on one provider (its own and templates') are told apart by `pool`.
  const byPool = (pick: Pick) =>
    stats().map((s) => ({
      labels: { sandbox: sandboxLabel(s.provider), pool: s.pool },
      value: pick(s),
    }));
  for (const [name, help, pick] of GAUGES) {
    new Gauge({
      name: `${prefix}${name}`,
      help,
      labelNames: ["sandbox", "pool"] as const,
      registers,
      collect() {
        this.reset();
        for (const { labels, value } of byPool(pick)) this.set(labels, value);
      },
    });
  }
  for (const [name, help, pick] of COUNTERS) {
    new Counter({
      name: `${prefix}${name}`,
      help,
      labelNames: ["sandbox", "pool"] as const,
      registers,
      collect() {
        this.reset();
        for (const { labels, value } of byPool(pick)) this.inc(labels, value);
      },
    });
  }
}
