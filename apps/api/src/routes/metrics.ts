// GET /metrics: the Prometheus text exposition of the server's metrics registry.
import { Hono } from "hono";
import type { Metrics } from "../metrics/index.js";

export function metricsRoute(metrics: Pick<Metrics, "render">): Hono {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { "Content-Type": contentType, "Cache-Control": "no-store" });
  });
  return app;
}
