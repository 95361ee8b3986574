// Names of the runner's built-in tools, and the aliases clients of the published protocol use.
import * as z from "zod";

export const TOOL_NAMES = [
  "bash",
  "read_file",
  "write_file",
  "edit_file",
  "list_files",
  "grep",
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/**
 * Claude Agent SDK style names (what clients written for the published protocol send),
 * mapped to our tools. Matching is case-insensitive.
 */
const TOOL_ALIASES: Record<string, ToolName> = {
  bash: "bash",
  read: "read_file",
  write: "write_file",
  edit: "edit_file",
  multiedit: "edit_file",
  glob: "list_files",
  ls: "list_files",
  grep: "grep",
};

/**
 * Names upstream configs list for tools that exist here only through other settings: `Task` (the
 * `task` tool, offered when sub-agents are configured) and `Skill` (`read_skill`, when skills are).
 * Accepted in `allowedTools` and dropped from it: `agents`/`allowedAgents` and `skillsDir`/
 * `allowedSkills` decide whether those tools exist.
 */
const ADDON_TOOL_NAMES = new Set(["task", "skill", "read_skill"]);

/** Whether `name` is a tool that agents or skills settings provide (see ADDON_TOOL_NAMES). */
export function isAddonToolName(name: string): boolean {
  return ADDON_TOOL_NAMES.has(name.trim().toLowerCase());
}

/** The canonical tool for a name or alias, or undefined when nothing matches. */
export function canonicalToolName(name: string): ToolName | undefined {
  const lower = name.trim().toLowerCase();
  if ((TOOL_NAMES as readonly string[]).includes(lower)) return lower as ToolName;
  return TOOL_ALIASES[lower];
}

/** A list of tool names or aliases, validated and turned into canonical names without duplicates. */
export const AllowedToolsSchema = z
  .array(z.string().min(1).max(100))
  .max(50)
  .superRefine((names, ctx) => {
    names.forEach((name, index) => {
      if (canonicalToolName(name) === undefined && !isAddonToolName(name)) {
        ctx.addIssue({
          code: "custom",
          path: [index],
          message: `unknown tool "${name}"; known tools: ${TOOL_NAMES.join(", ")}`,
        });
      }
    });
  })
  .transform((names) => [
    ...new Set(
      names.filter((n) => !isAddonToolName(n)).map((n) => canonicalToolName(n) as ToolName),
    ),
  ]);
