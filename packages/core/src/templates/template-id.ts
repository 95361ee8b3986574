// A template's id: sha256 of the RFC 8785 canonical JSON (the `canonicalize` package) of the
// parsed spec, so key order, defaults left out or spelled out, and whitespace never change it.
import { createHash } from "node:crypto";
import {
  type TemplateSpec,
  type TemplateSpecInput,
  TemplateSpecSchema,
} from "@sandcaster/protocol";
import canonicalizeModule from "canonicalize";

// The package is CommonJS (`module.exports = serialize`) but its types declare an ES default
// export: node hands the function itself to a default import, which TypeScript cannot see.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export function templateId(spec: TemplateSpec | TemplateSpecInput): string {
  const parsed = TemplateSpecSchema.parse(spec);
  const text = canonicalize(parsed);
  if (text === undefined) throw new Error("a template spec always has a canonical form");
  return createHash("sha256").update(text).digest("hex");
}

/** The docker tag of a built template (tags allow 128 characters: the whole hash fits). */
export const TEMPLATE_REPOSITORY = "sandcaster-template";
export const templateImage = (id: string) => `${TEMPLATE_REPOSITORY}:${id}`;
