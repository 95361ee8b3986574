// A path parameter of the agents routes checked against its schema: a 400 naming the field.
import { HttpError } from "../http-error.js";

export function parsedParam<T>(
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  value: string,
  field: string,
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(400, "INVALID_REQUEST", `${field}: ${JSON.stringify(value)} is not valid`, {
      details: [{ field, message: "not valid" }],
    });
  }
  return result.data;
}
