// Reads one SKILL.md (Agent Skills format): YAML front matter with `name` and `description`, then
// the body. Only the description reaches the system prompt; the body is read on demand.
import { SKILL_DESCRIPTION_MAX } from "@sandcaster/protocol";

// The `yaml` package is imported by the first skill with front matter: a server whose runs bring
// none never holds its parser (~0.4 MB of heap).
let yamlModule: Promise<typeof import("yaml")> | undefined;
function loadYaml(): Promise<typeof import("yaml")> {
  yamlModule ??= import("yaml");
  return yamlModule;
}

export interface ParsedSkill {
  name: string;
  description: string;
}

/** Why a SKILL.md was refused: `detail` names the front-matter field (or the YAML error). */
export class SkillFormatError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "SkillFormatError";
  }
}

// The delimiter lines only; the YAML between them is parsed by the `yaml` package.
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Without front matter (the published project's own starters) its first line describes it. */
function firstLine(body: string): string | undefined {
  const line = body
    .split(/\r?\n/)
    .map((l) => l.replace(/^#+\s*/, "").trim())
    .find((l) => l.length > 0);
  return line?.slice(0, SKILL_DESCRIPTION_MAX);
}

async function parseFrontMatter(yamlText: string): Promise<Record<string, unknown>> {
  const { parse: parseYaml, YAMLParseError } = await loadYaml();
  let data: unknown;
  try {
    data = parseYaml(yamlText);
  } catch (error) {
    const reason = error instanceof YAMLParseError ? error.message.split("\n")[0] : String(error);
    throw new SkillFormatError(`front matter is not valid YAML: ${reason}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new SkillFormatError("front matter must be a YAML mapping (name: …, description: …)");
  }
  return data as Record<string, unknown>;
}

/** `name` is the folder name or the extraSkills key; front matter may only repeat it. */
export async function parseSkill(name: string, markdown: string): Promise<ParsedSkill> {
  const match = FRONT_MATTER.exec(markdown);
  if (!match) {
    if (markdown.trimStart().startsWith("---")) {
      throw new SkillFormatError("front matter opened with --- is never closed");
    }
    const description = firstLine(markdown);
    if (!description) throw new SkillFormatError("the skill is empty");
    return { name, description };
  }
  const fields = await parseFrontMatter(match[1] ?? "");
  if (fields.name !== undefined && fields.name !== name) {
    const given = typeof fields.name === "string" ? `"${fields.name}"` : "not a string";
    throw new SkillFormatError(`front matter name is ${given}; it must be "${name}"`);
  }
  const description = fields.description;
  if (typeof description !== "string" || description.trim() === "") {
    throw new SkillFormatError("front matter description is missing or not a string");
  }
  if (description.length > SKILL_DESCRIPTION_MAX) {
    throw new SkillFormatError(
      `front matter description is longer than ${SKILL_DESCRIPTION_MAX} characters`,
    );
  }
  return { name, description: description.trim() };
}
