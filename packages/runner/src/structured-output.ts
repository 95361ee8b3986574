// Checks a final answer against the request's outputFormat JSON Schema.
import type { OutputFormat } from "@sandcaster/protocol";
import * as z from "zod";

export type StructuredOutcome =
  | { ok: true; value: unknown; warning?: string }
  | { ok: false; reason: string };

/** Models often wrap JSON in a code fence despite being told not to; accept that. */
function stripFence(text: string): string {
  const match = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return match?.[1] ?? text;
}

export function parseStructuredOutput(text: string, format: OutputFormat): StructuredOutcome {
  let value: unknown;
  try {
    value = JSON.parse(stripFence(text));
  } catch {
    return { ok: false, reason: "the final answer is not valid JSON" };
  }
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(format.schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return {
      ok: true,
      value,
      warning: `outputFormat.schema could not be checked: ${String(error)}`,
    };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? first.path.join(".") : "(root)";
    return {
      ok: false,
      reason: `the final answer does not match outputFormat.schema at ${where}: ${first?.message}`,
    };
  }
  return { ok: true, value: parsed.data };
}
