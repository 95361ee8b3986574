// A JSON Schema as a compact, readable tree for the API reference: types, required fields, enums, refs.
import { h } from "./dom.js";

/** @typedef {Record<string, any>} Json */

/**
 * Follows a local `$ref` (`#/components/…`) once; other values are returned as they are.
 * @param {Json} doc @param {Json} value
 */
export function resolve(doc, value) {
  if (!value || typeof value.$ref !== "string" || !value.$ref.startsWith("#/")) return value;
  return value.$ref
    .slice(2)
    .split("/")
    .reduce((/** @type {Json} */ at, /** @type {string} */ key) => at?.[key], doc);
}

/** Nesting shown before a schema is only named (recursive schemas, huge unions). */
const MAX_DEPTH = 4;

/** @param {Json} schema @returns {string} */
function typeName(schema) {
  if (schema.$ref) return String(schema.$ref).split("/").pop() ?? "object";
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum)
    return schema.enum.map((/** @type {unknown} */ v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.type === "array") return `${typeName(schema.items ?? {})}[]`;
  if (schema.oneOf || schema.anyOf) return "one of";
  return schema.type ?? "any";
}

/** @param {Json} schema */
function constraints(schema) {
  const parts = [];
  if (schema.format) parts.push(schema.format);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) parts.push(`length ≥ ${schema.minLength}`);
  if (schema.maxLength !== undefined) parts.push(`length ≤ ${schema.maxLength}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(", ");
}

/**
 * @param {Json} doc the whole document (for $ref)
 * @param {Json} schema
 * @param {number} depth
 * @returns {HTMLElement}
 */
export function schemaView(doc, schema, depth) {
  const target = resolve(doc, schema) ?? {};
  const label = h(
    "span",
    { class: "schema-type" },
    h("code", { text: typeName(schema) }),
    constraints(target) ? h("span", { class: "muted", text: ` (${constraints(target)})` }) : null,
  );
  const item = target.type === "array" ? resolve(doc, target.items ?? {}) : target;
  const props = item?.properties ? Object.entries(item.properties) : [];
  const variants = /** @type {Json[]} */ (item?.oneOf ?? item?.anyOf ?? []);
  if (depth >= MAX_DEPTH || (props.length === 0 && variants.length === 0)) return label;
  const required = new Set(item.required ?? []);
  return h(
    "details",
    { class: "schema", open: depth === 0 && props.length <= 12 },
    h("summary", {}, label),
    props.length > 0
      ? h(
          "ul",
          { class: "schema-props" },
          props.map(([name, sub]) =>
            h(
              "li",
              {},
              h("code", { class: "prop", text: name }),
              required.has(name) ? h("span", { class: "req", text: " required" }) : null,
              " ",
              schemaView(doc, sub, depth + 1),
              sub.description ? h("p", { class: "muted", text: sub.description }) : null,
            ),
          ),
        )
      : h(
          "ul",
          { class: "schema-props" },
          variants.map((v) => h("li", {}, schemaView(doc, v, depth + 1))),
        ),
  );
}
