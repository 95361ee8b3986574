// GET /runs (newest first, filtered, paginated by a Link header) and GET /runs/:id.
import { InvalidCursorError, type RunStore } from "@sandcaster/core";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import { RunListQuerySchema, type RunPage } from "../schemas/runs.js";
import { readQueryParams } from "./read-query-params.js";

export function runsRoute(store: RunStore): Hono {
  const app = new Hono();
  app.get("/runs", async (c) => {
    const query = readQueryParams(c, RunListQuerySchema);
    try {
      const page: RunPage = await store.listRuns(query);
      if (page.nextCursor) {
        const next = new URL(c.req.url);
        next.searchParams.set("cursor", page.nextCursor);
        c.header("Link", `<${next.pathname}${next.search}>; rel="next"`);
      }
      // An array, as clients of the upstream project read it; the next page is in Link.
      return c.json(page.runs);
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new HttpError(400, error.code, error.message, {
          details: [{ field: "cursor", message: error.message }],
        });
      }
      throw error;
    }
  });
  app.get("/runs/:id", async (c) => {
    const run = await store.getRun(c.req.param("id"));
    if (!run) throw new HttpError(404, "NOT_FOUND", `no run with id ${c.req.param("id")}`);
    return c.json(run);
  });
  return app;
}
