// Structured output: the final answer must be JSON matching a JSON Schema.
import { z } from "zod";

export const OutputFormatSchema = z.strictObject({
  type: z.literal("json_schema"),
  schema: z.record(z.string(), z.unknown()),
});
export type OutputFormat = z.infer<typeof OutputFormatSchema>;
