// Reads and validates a JSON body (/query, /sessions): 415 for a wrong content type, 400 naming
// every bad field.
import { fieldIssues, type QueryRequest, QueryRequestSchema } from "@sandcaster/protocol";
import type { Context } from "hono";
import type { z } from "zod";
import { HttpError } from "../http-error.js";

export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      "send the request body as JSON with Content-Type: application/json",
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch (error) {
    if (HttpError.isInstance(error)) throw error;
    throw new HttpError(
      400,
      "INVALID_JSON",
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const details = fieldIssues(parsed.error);
    const fields = [...new Set(details.map((d) => d.field || "(body)"))].join(", ");
    throw new HttpError(400, "INVALID_REQUEST", `invalid request: ${fields}`, { details });
  }
  return parsed.data;
}

export function readQueryRequest(c: Context): Promise<QueryRequest> {
  return readJsonBody(c, QueryRequestSchema);
}
