// Reads a route's query string against its schema: 400 naming each bad or unknown parameter.
import type { Context } from "hono";
import type { z } from "zod";
import { HttpError } from "../http-error.js";

export function readQueryParams<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({
    field: i.code === "unrecognized_keys" ? i.keys.join(", ") : i.path.join("."),
    message: i.code === "unrecognized_keys" ? "unknown query parameter" : i.message,
  }));
  throw new HttpError(
    400,
    "INVALID_REQUEST",
    `invalid query: ${details.map((d) => d.field).join(", ")}`,
    { details },
  );
}
