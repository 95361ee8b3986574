// The read_skill tool: a skill's instructions (or a file of its folder) when the agent needs them,
// so only the names and descriptions sit in every model call.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { READ_SKILL_TOOL, type RunnerSkills } from "@sandcaster/protocol";
import * as z from "zod";
import { defineTool, fail, ok } from "../tools/define.js";
import { resolveInside } from "../tools/path-guard.js";
import type { ToolDefinition } from "../tools/tool.js";
import { truncateMiddle } from "../tools/truncate.js";

// Only the delimiter lines; the host already validated the YAML between them.
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n[\s\S]*?\r?\n---[ \t]*(?:\r?\n|$)/;

/** SKILL.md without its front matter: the description is already in the system prompt. */
export function skillBody(markdown: string): string {
  return markdown.replace(FRONT_MATTER, "").trim();
}

export function readSkillTool(skills: RunnerSkills): ToolDefinition {
  const names = skills.list.map((skill) => skill.name);
  const schema = z.strictObject({
    name: z
      .string()
      .min(1)
      .describe(`The skill's name: one of ${names.join(", ")}.`),
    file: z
      .string()
      .min(1)
      .optional()
      .describe("A file of the skill's folder that its instructions refer to (default SKILL.md)."),
  });
  return defineTool({
    name: READ_SKILL_TOOL,
    parallel: true,
    description:
      "Read the instructions of a skill listed in the system prompt before doing the task it " +
      "describes; its instructions may name further files of its folder to read with `file`.",
    schema,
    async run(input, context) {
      if (!names.includes(input.name)) {
        return fail(`no skill named "${input.name}"; skills: ${names.join(", ")}`);
      }
      const folder = path.join(skills.dir, input.name);
      // The folder is the boundary, as the workspace is for read_file.
      const resolved = await resolveInside(folder, input.file ?? "SKILL.md");
      if (!resolved.ok) return fail(resolved.error);
      const text = await readFile(resolved.path, "utf8").catch((error: unknown) => error as Error);
      if (text instanceof Error) return fail(`cannot read skill "${input.name}": ${text.message}`);
      const shown = input.file
        ? text
        : `${skillBody(text)}\n\n(This skill's files are in ${folder}.)`;
      return ok(truncateMiddle(shown, context.outputLimitChars));
    },
  });
}

/** The system prompt's list of skills: names and descriptions only. */
export function skillsPromptSection(skills: RunnerSkills): string {
  const lines = skills.list.map((skill) => `- ${skill.name}: ${skill.description}`);
  return [
    `Skills (instructions for particular tasks): before such a task, read the skill's instructions with ${READ_SKILL_TOOL}.`,
    ...lines,
  ].join("\n");
}
