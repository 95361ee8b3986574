// GET /runs (newest first, filtered, paginated) and GET /runs/:id.
import { InvalidCursorError, type RunStore } from "@sandcaster/core";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import { RunListQuerySchema, type RunPage } from "../schemas/runs.js";

export function runsRoute(store: RunStore): Hono {
  const app = new Hono();
  app.get("/runs", async (c) => {
    const parsed = RunListQuerySchema.safeParse(c.req.query());
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({
        field: i.code === "unrecognized_keys" ? i.keys.join(", ") : i.path.join("."),
        message: i.code === "unrecognized_keys" ? "unknown query parameter" : i.message,
      }));
      throw new HttpError(
        400,
        "INVALID_REQUEST",
        `invalid query: ${details.map((d) => d.field).join(", ")}`,
        {
          details,
        },
      );
    }
    try {
      const page: RunPage = await store.listRuns(parsed.data);
      return c.json(page);
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
