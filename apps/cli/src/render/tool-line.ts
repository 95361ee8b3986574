// One line per tool call: its outcome mark, the tool, the argument that says what it did, the time.
import { canonicalToolName } from "@sandcaster/protocol";
import type { Palette } from "../terminal/colours.js";
import { formatSeconds, oneLine } from "./format.js";

/** The input field that best says what a call does, per tool (protocol aliases included). */
const SUBJECT_FIELDS: Record<string, readonly string[]> = {
  bash: ["command"],
  read_file: ["path", "file_path"],
  write_file: ["path", "file_path"],
  edit_file: ["path", "file_path"],
  list_files: ["path", "pattern"],
  grep: ["pattern", "path"],
};

function parseInput(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** "ls -la" for bash, "notes.md" for write_file, compact JSON for tools we do not know. */
export function toolSubject(toolName: string, inputJson: string, max = 80): string {
  const input = parseInput(inputJson);
  const fields = SUBJECT_FIELDS[canonicalToolName(toolName) ?? ""] ?? [];
  if (input) {
    const parts = fields.map((f) => input[f]).filter((v): v is string => typeof v === "string");
    if (parts.length > 0) return oneLine(parts.join(" "), max);
    if (Object.keys(input).length === 0) return "";
  }
  return oneLine(inputJson, max);
}

export interface ToolCall {
  toolName: string;
  subject: string;
  /** Undefined while the tool runs. */
  outcome?: { isError: boolean; content: string } | undefined;
  secs?: number | undefined;
}

/** `✓ bash  ls -la  (0.3s)` or `✗ write_file  notes.md  — permission denied  (0.1s)`. */
export function toolLine(call: ToolCall, palette: Palette, width = 110): string {
  const failed = call.outcome?.isError === true;
  const mark = failed ? palette.red("✗") : palette.green("✓");
  const name = failed ? palette.red(call.toolName) : palette.cyan(call.toolName);
  const time = call.secs === undefined ? "" : `  ${palette.dim(`(${formatSeconds(call.secs)})`)}`;
  const room = Math.max(20, width - call.toolName.length - 12);
  const subject = call.subject ? `  ${oneLine(call.subject, room)}` : "";
  const why = failed
    ? `  ${palette.red(`— ${oneLine(failureReason(call.toolName, call.outcome?.content ?? ""), room) || "failed"}`)}`
    : "";
  return `${mark} ${name}${subject}${why}${time}`;
}

/** What the spinner says while the tool runs. */
export function toolRunningLabel(call: ToolCall): string {
  return `${call.toolName}${call.subject ? `  ${call.subject}` : ""}`;
}

/**
 * The runner's bash tool ends a failure with a note ("exit code 3", "killed by signal SIGKILL",
 * "command timed out after 30s", "cancelled") after the output: that note says why, so it leads,
 * followed by the output's first line when there is one. Other tools: their message's first line.
 */
const BASH_NOTE = /^(exit code -?\d+|killed by signal \w+|command timed out after .+|cancelled)$/;

function failureReason(toolName: string, content: string): string {
  if (canonicalToolName(toolName) !== "bash") return firstLine(content);
  const lines = content.split("\n").map((l) => l.trim());
  const last = lines.findLast(Boolean) ?? "";
  if (!BASH_NOTE.test(last)) return firstLine(content);
  const output = firstLine(lines.slice(0, lines.lastIndexOf(last)).join("\n"));
  return output ? `${last} · ${output}` : last;
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? ""
  );
}
