// The runner's built-in tools, and the subset a run is allowed to use.
import type { ToolName } from "@sandcaster/protocol";
import { bashTool } from "./bash.js";
import { editFileTool } from "./edit-file.js";
import { grepTool } from "./grep.js";
import { listFilesTool } from "./list-files.js";
import { readFileTool } from "./read-file.js";
import type { ToolDefinition } from "./tool.js";
import { writeFileTool } from "./write-file.js";

export type { ToolContext, ToolDefinition, ToolOutcome } from "./tool.js";

export const ALL_TOOLS: readonly ToolDefinition[] = [
  bashTool,
  readFileTool,
  writeFileTool,
  editFileTool,
  listFilesTool,
  grepTool,
];

/** The allowed tools in ALL_TOOLS order; undefined means every tool. */
export function selectTools(allowed?: readonly ToolName[]): ToolDefinition[] {
  if (allowed === undefined) return [...ALL_TOOLS];
  const wanted = new Set<string>(allowed);
  return ALL_TOOLS.filter((tool) => wanted.has(tool.name));
}
