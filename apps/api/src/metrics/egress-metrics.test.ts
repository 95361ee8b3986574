import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerEgressMetrics } from "./egress-metrics.js";

describe("registerEgressMetrics", () => {
  it("counts refusals by bounded reason", async () => {
    const registry = new Registry();
    const metrics = registerEgressMetrics(registry, "sandcaster_");
    metrics.denied({ kind: "policy" });
    metrics.denied({ kind: "policy" });
    metrics.denied({ kind: "address" });
    metrics.denied({ kind: "made-up" });
    const text = await registry.metrics();
    expect(text).toContain('sandcaster_egress_denied_total{reason="policy"} 2');
    expect(text).toContain('sandcaster_egress_denied_total{reason="address"} 1');
    expect(text).toContain('sandcaster_egress_denied_total{reason="other"} 1');
  });
});
