// Warm pool state on /metrics: ready and creating sandboxes, hits and misses, read at scrape time.
import type { WarmPoolStats } from "@sandcaster/core";
import { Counter, Gauge, type Registry } from "prom-client";
import { sandboxLabel } from "./labels.js";

/** Registers the pool metrics; `stats` is asked at every scrape. */
export function registerPoolMetrics(
  registry: Registry,
  prefix: string,
  stats: () => readonly WarmPoolStats[],
): void {
  const registers = [registry];
  const byProvider = (pick: (s: WarmPoolStats) => number) =>
    stats().map((s) => ({ sandbox: sandboxLabel(s.provider), value: pick(s) }));
  new Gauge({
    name: `${prefix}pool_ready`,
    help: "Warm sandboxes ready to be handed out, by sandbox provider.",
    labelNames: ["sandbox"] as const,
    registers,
    collect() {
      this.reset();
      for (const { sandbox, value } of byProvider((s) => s.ready)) this.set({ sandbox }, value);
    },
  });
  new Gauge({
    name: `${prefix}pool_creating`,
    help: "Warm sandboxes being created, by sandbox provider.",
    labelNames: ["sandbox"] as const,
    registers,
    collect() {
      this.reset();
      for (const { sandbox, value } of byProvider((s) => s.creating)) this.set({ sandbox }, value);
    },
  });
  new Gauge({
    name: `${prefix}pool_size`,
    help: "Configured warm pool size, by sandbox provider.",
    labelNames: ["sandbox"] as const,
    registers,
    collect() {
      this.reset();
      for (const { sandbox, value } of byProvider((s) => s.size)) this.set({ sandbox }, value);
    },
  });
  new Counter({
    name: `${prefix}pool_hits_total`,
    help: "Runs that got a warm sandbox from the pool.",
    labelNames: ["sandbox"] as const,
    registers,
    collect() {
      this.reset();
      for (const { sandbox, value } of byProvider((s) => s.hits)) this.inc({ sandbox }, value);
    },
  });
  new Counter({
    name: `${prefix}pool_misses_total`,
    help: "Runs of a pooled provider that had to create a cold sandbox (pool empty or not fitting).",
    labelNames: ["sandbox"] as const,
    registers,
    collect() {
      this.reset();
      for (const { sandbox, value } of byProvider((s) => s.misses)) this.inc({ sandbox }, value);
    },
  });
}
