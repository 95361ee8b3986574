// Structured output: the final answer must be JSON matching a JSON Schema.
import * as z from "zod";

/** Deeper than any real schema; a 100,000-deep one would overflow every recursive walker after it. */
export const MAX_OUTPUT_SCHEMA_DEPTH = 32;
/** Objects, arrays and values in the schema, all told. */
export const MAX_OUTPUT_SCHEMA_NODES = 10_000;

/** Depth and node count, walked with an explicit stack: the input may be deeper than the call stack. */
function measure(root: unknown): { depth: number; nodes: number } {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  let depth = 0;
  let nodes = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item) break;
    nodes++;
    depth = Math.max(depth, item.depth);
    if (depth > MAX_OUTPUT_SCHEMA_DEPTH || nodes > MAX_OUTPUT_SCHEMA_NODES) break;
    if (item.value && typeof item.value === "object") {
      for (const child of Object.values(item.value)) {
        stack.push({ value: child, depth: item.depth + 1 });
      }
    }
  }
  return { depth, nodes };
}

export const OutputFormatSchema = z.strictObject({
  type: z.literal("json_schema"),
  schema: z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
    const { depth, nodes } = measure(schema);
    if (depth > MAX_OUTPUT_SCHEMA_DEPTH) {
      ctx.addIssue({
        code: "custom",
        message: `the schema is nested deeper than ${MAX_OUTPUT_SCHEMA_DEPTH} levels`,
      });
    } else if (nodes > MAX_OUTPUT_SCHEMA_NODES) {
      ctx.addIssue({
        code: "custom",
        message: `the schema has more than ${MAX_OUTPUT_SCHEMA_NODES} values`,
      });
    }
  }),
});
export type OutputFormat = z.infer<typeof OutputFormatSchema>;
