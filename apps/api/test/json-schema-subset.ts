// A small JSON Schema checker for the keywords zod emits for QueryRequest: enough to compare a
// documented schema with its zod source on samples, without a validator dependency.
type Schema = Record<string, unknown>;

const typeOf = (value: unknown): string => {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
};

const typeMatches = (want: unknown, value: unknown): boolean => {
  const types = Array.isArray(want) ? want : [want];
  const got = typeOf(value);
  return types.some((t) => t === got || (t === "number" && got === "integer"));
};

/** True when `value` satisfies `schema`; `$ref`s are looked up with `resolve`. */
export function accepts(schema: Schema, value: unknown, resolve: (ref: string) => Schema): boolean {
  const s = typeof schema.$ref === "string" ? resolve(schema.$ref) : schema;
  const check = (sub: unknown, v: unknown) => accepts(sub as Schema, v, resolve);
  if (s.type !== undefined && !typeMatches(s.type, value)) return false;
  if (Array.isArray(s.enum) && !s.enum.includes(value)) return false;
  if ("const" in s && s.const !== value) return false;
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => check(sub, value))) return false;
  if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => check(sub, value)).length !== 1) {
    return false;
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) return false;
    if (typeof s.maximum === "number" && value > s.maximum) return false;
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof s.minLength === "number" && length < s.minLength) return false;
    if (typeof s.maxLength === "number" && length > s.maxLength) return false;
  }
  if (Array.isArray(value)) {
    if (typeof s.maxItems === "number" && value.length > s.maxItems) return false;
    if (s.items && !value.every((item) => check(s.items, item))) return false;
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    if (Array.isArray(s.required) && !s.required.every((key) => key in object)) return false;
    for (const [key, item] of Object.entries(object)) {
      const sub = properties[key] ?? s.additionalProperties;
      if (sub === false) return false;
      if (sub && sub !== true && !check(sub, item)) return false;
    }
  }
  return true;
}
