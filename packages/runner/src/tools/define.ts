// Turns a zod schema plus a typed run function into a ToolDefinition that never throws.
import {
  type BranchToolName,
  type CompositeToolName,
  describeIssues,
  type READ_SKILL_TOOL,
  type TASK_TOOL,
  type ToolName,
} from "@sandcaster/protocol";
import * as z from "zod";
import type { ToolContext, ToolDefinition, ToolOutcome } from "./tool.js";

export interface ToolSpec<S extends z.ZodType> {
  name: ToolName | CompositeToolName | BranchToolName | typeof READ_SKILL_TOOL | typeof TASK_TOOL;
  description: string;
  schema: S;
  parallel?: boolean;
  sandboxOf?(input: z.output<S>): string | undefined;
  touches?(input: z.output<S>): string[];
  run(input: z.output<S>, context: ToolContext): Promise<ToolOutcome>;
}

// The built-in tools' input schemas, converted when the runner's bundle is built
// (boot/tool-schemas.mjs); undefined when the source runs unbundled (tests).
declare const __SANDCASTER_TOOL_INPUT_SCHEMAS__:
  | Record<string, Record<string, unknown>>
  | undefined;
const BUILT_SCHEMAS =
  typeof __SANDCASTER_TOOL_INPUT_SCHEMAS__ === "undefined"
    ? undefined
    : __SANDCASTER_TOOL_INPUT_SCHEMAS__;

/** JSON Schema for the model: what callers may send (defaults optional), no `$schema` key. */
export function toInputSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: "input" }) as Record<
    string,
    unknown
  >;
  return rest;
}

export function ok(content: string): ToolOutcome {
  return { content, isError: false };
}

export function fail(content: string): ToolOutcome {
  return { content, isError: true };
}

export const CANCELLED: ToolOutcome = { content: "cancelled", isError: true };

/** Readable text for an fs failure; Node's messages already name the syscall and path. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A built-in tool's spec: its schema is made on first use (see defineBuiltInTool). */
export type BuiltInToolSpec<S extends z.ZodType> = Omit<ToolSpec<S>, "schema"> & {
  schema: () => S;
};

/**
 * A tool of src/tools/index.ts. Its JSON Schema comes from the build's table when there is one,
 * so its zod schema is only needed to check a call's input: it is made then, not at startup
 * (each is ~20 zod objects a cold boot built, and collected, before its first model request).
 */
export function defineBuiltInTool<S extends z.ZodType>(spec: BuiltInToolSpec<S>): ToolDefinition {
  let schema: S | undefined;
  const schemaOf = () => {
    schema ??= spec.schema();
    return schema;
  };
  return toolOf(spec, schemaOf, BUILT_SCHEMAS?.[spec.name] ?? toInputSchema(schemaOf()));
}

export function defineTool<S extends z.ZodType>(spec: ToolSpec<S>): ToolDefinition {
  return toolOf(spec, () => spec.schema, toInputSchema(spec.schema));
}

function toolOf<S extends z.ZodType>(
  spec: Omit<ToolSpec<S>, "schema">,
  schemaOf: () => S,
  inputSchema: Record<string, unknown>,
): ToolDefinition {
  const sandboxOf = spec.sandboxOf;
  const touches = spec.touches;
  return {
    name: spec.name,
    description: spec.description,
    inputSchema,
    ...(spec.parallel ? { parallel: true } : {}),
    ...(sandboxOf
      ? {
          sandboxOf: (input: unknown) => {
            const parsed = schemaOf().safeParse(input);
            return parsed.success ? sandboxOf(parsed.data) : undefined;
          },
        }
      : {}),
    ...(touches
      ? {
          touches: (input: unknown) => {
            const parsed = schemaOf().safeParse(input);
            return parsed.success ? touches(parsed.data) : [];
          },
        }
      : {}),
    async run(input, context) {
      const parsed = schemaOf().safeParse(input);
      if (!parsed.success) return fail(`invalid input: ${describeIssues(parsed.error)}`);
      if (context.signal.aborted) return CANCELLED;
      try {
        return await spec.run(parsed.data, context);
      } catch (err) {
        // The loop must go on whatever a tool hits, so a bug becomes an error the model sees.
        return fail(`${spec.name} failed: ${errorText(err)}`);
      }
    },
  };
}
