// GET /health: liveness for load balancers and Kubernetes; public even when auth is on.
import { Hono } from "hono";
import type { HealthBody } from "../schemas/ops.js";

export function healthRoute(version: string): Hono {
  const app = new Hono();
  app.get("/health", (c) => c.json({ status: "ok", version } satisfies HealthBody));
  return app;
}
