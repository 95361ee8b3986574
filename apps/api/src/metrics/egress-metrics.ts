// Egress refusals on /metrics: one counter, labelled by the kind of refusal (a bounded set).
import { Counter, type Registry } from "prom-client";
import { NONE, OTHER } from "./labels.js";

/** The proxy's refusal kinds (core's EgressDenialKind); anything else is counted as "other". */
export const EGRESS_DENIAL_KINDS = ["policy", "address", "limit", "invalid"] as const;

export interface EgressMetrics {
  /** Counts one refused connection; call it from the run's onDenied (createDenialReporter's count). */
  denied(denial: { kind?: string | undefined }): void;
}

/** Registers `<prefix>egress_denied_total{reason}` in `registry`. */
export function registerEgressMetrics(registry: Registry, prefix: string): EgressMetrics {
  const known = new Set<string>(EGRESS_DENIAL_KINDS);
  const counter = new Counter({
    name: `${prefix}egress_denied_total`,
    help: "Connections of agents' tools the egress proxy refused, by reason (policy, address, limit, invalid).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  return {
    denied({ kind }) {
      const reason = !kind ? NONE : known.has(kind) ? kind : OTHER;
      counter.inc({ reason });
    },
  };
}
