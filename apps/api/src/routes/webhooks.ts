// GET /runs/:id/webhooks: the run's completion webhook delivery and every try made so far.
import type { RunStore } from "@sandcaster/core";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import type { RunWebhooks } from "../schemas/webhooks.js";

export function runWebhooksRoute(store: RunStore): Hono {
  const app = new Hono();
  app.get("/runs/:id/webhooks", async (c) => {
    const runId = c.req.param("id");
    const delivery = await store.webhooks.forRun(runId);
    if (!delivery && !(await store.getRun(runId))) {
      throw new HttpError(404, "NOT_FOUND", `no run with id ${runId}`);
    }
    const body: RunWebhooks = { deliveries: delivery ? [delivery] : [] };
    return c.json(body);
  });
  return app;
}
