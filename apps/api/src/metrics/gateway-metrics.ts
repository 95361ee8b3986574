// The model gateway on /metrics: calls, tokens, cost and the latency the gateway adds, per
// provider and model. Model ids come from the sandbox, so only priced models get their own label.
import type { GatewayCall, GatewayRegistry } from "@sandcaster/core";
import { priceKey, priceOf } from "@sandcaster/protocol";
import { Counter, Histogram, type Registry } from "prom-client";
import { OTHER, providerLabel } from "./labels.js";

/** Sub-millisecond buckets: the target is a p50 under 2 ms on loopback. */
export const GATEWAY_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05];

/** A model label from a fixed set (the price table's keys), whatever the sandbox sent. */
export function modelLabel(model: string): string {
  return priceOf(model) ? priceKey(model) : OTHER;
}

function statusClass(status: number): string {
  if (status >= 200 && status < 600) return `${Math.floor(status / 100)}xx`;
  return OTHER;
}

/** Registers the metrics and subscribes to every gateway call; returns the unsubscribe. */
export function registerGatewayMetrics(
  registry: Registry,
  prefix: string,
  gateway: GatewayRegistry,
): () => void {
  const registers = [registry];
  const calls = new Counter({
    name: `${prefix}gateway_calls_total`,
    help: "Model calls through the gateway, by provider, model and status class (2xx, 4xx, 5xx).",
    labelNames: ["provider", "model", "status"] as const,
    registers,
  });
  const tokens = new Counter({
    name: `${prefix}gateway_tokens_total`,
    help: "Tokens the providers reported through the gateway, by provider, model and kind.",
    labelNames: ["provider", "model", "kind"] as const,
    registers,
  });
  const cost = new Counter({
    name: `${prefix}gateway_cost_usd_total`,
    help: "Cost in USD of the calls through the gateway (price table), by provider and model.",
    labelNames: ["provider", "model"] as const,
    registers,
  });
  const added = new Histogram({
    name: `${prefix}gateway_added_latency_seconds`,
    help: "Time a model call spends in the gateway itself (not at the provider), by provider.",
    labelNames: ["provider"] as const,
    buckets: GATEWAY_LATENCY_BUCKETS,
    registers,
  });
  return gateway.onCall((call: GatewayCall) => {
    const provider = providerLabel(call.provider);
    const model = modelLabel(call.model);
    calls.inc({ provider, model, status: statusClass(call.status) });
    added.observe({ provider }, call.addedMs / 1000);
    if (call.usage) {
      tokens.inc({ provider, model, kind: "input" }, call.usage.inputTokens);
      tokens.inc({ provider, model, kind: "output" }, call.usage.outputTokens);
      tokens.inc({ provider, model, kind: "cache_read" }, call.usage.cacheReadTokens);
      tokens.inc({ provider, model, kind: "cache_write" }, call.usage.cacheWriteTokens);
    }
    if (call.costUsd !== undefined) cost.inc({ provider, model }, call.costUsd);
  });
}
