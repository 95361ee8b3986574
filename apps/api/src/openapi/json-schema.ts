// zod → OpenAPI 3.1 schema objects with zod's own z.toJSONSchema: the zod schemas stay the one source.
import { z } from "zod";

export type JsonSchema = Record<string, unknown>;

const COMPONENT_URI = "#/components/schemas/";
const TARGET = "draft-2020-12";

/** `io`: "input" for what clients send (defaults optional), "output" for what the server answers. */
export type SchemaIo = "input" | "output";

export function schemaRef(name: string): { $ref: string } {
  return { $ref: `${COMPONENT_URI}${name}` };
}

/** Drops the keywords that only make sense at a document's root. */
function embeddable(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * Named component schemas; one named schema nested in another becomes a `$ref` to it, so each
 * shape is written once in the document as well.
 */
export function componentSchemas(
  named: Readonly<Record<string, z.ZodType>>,
  io: SchemaIo,
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: TARGET,
    io,
    uri: (id) => `${COMPONENT_URI}${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => [id, embeddable(schema as JsonSchema)]),
  );
}

/** One schema inline (a parameter's, a header's). */
export function inlineSchema(schema: z.ZodType, io: SchemaIo): JsonSchema {
  return embeddable(z.toJSONSchema(schema, { target: TARGET, io }) as JsonSchema);
}

/** The properties of an object schema as OpenAPI parameters (a query string, say). */
export function objectParameters(schema: z.ZodObject, location: "query" | "header"): JsonSchema[] {
  const json = inlineSchema(schema, "input") as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: json.required?.includes(name) ?? false,
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}
