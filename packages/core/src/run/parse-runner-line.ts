// Parses one stdout line of the (untrusted) runner into a protocol event; anything else becomes a warning.
import { type SandcasterEvent, SandcasterEventSchema } from "@sandcaster/protocol";
import type { Line } from "./line-splitter.js";

const PREVIEW_CHARS = 200;
/** Bad lines reported one by one per stream; the rest are counted in one summary at its end. */
export const MAX_INVALID_LINE_WARNINGS = 10;

/** Events only the host may produce: a runner that prints them is ignored with a warning. */
const HOST_ONLY = new Set([
  "file",
  "stderr",
  "step_start",
  "stdout",
  "step_end",
  // A branch must not announce branches or pick the winner (it may ask to branch: branch_request).
  "branch_start",
  "branch_progress",
  "branch_complete",
  "branch_selected",
  "branch_summary",
]);
const HOST_ONLY_SYSTEM = new Set(["init", "sandbox_ready"]);

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

type Warning = Extract<SandcasterEvent, { type: "warning" }>;

/** A bad line's warning, unless this stream already had its share of them. */
function limited(line: Line, warning: Warning): Warning | undefined {
  const state = line.stream;
  if (!state) return warning;
  if (state.warned < MAX_INVALID_LINE_WARNINGS) {
    state.warned++;
    return warning;
  }
  state.dropped++;
  return undefined;
}

function droppedSummary(line: Line): Warning | undefined {
  const dropped = line.stream?.ended ? line.stream.dropped : 0;
  if (dropped === 0) return undefined;
  return {
    type: "warning",
    code: "RUNNER_INVALID_EVENT",
    content: `the runner printed ${dropped} more invalid lines after the first ${MAX_INVALID_LINE_WARNINGS}; they were dropped without a warning each`,
  };
}

/** The line's event; a bad line's warning, within the stream's share; or the closing summary. */
export function parseRunnerLine(line: Line): SandcasterEvent | undefined {
  if (line.text.trim() === "") return droppedSummary(line);
  const parsed = parseLine(line);
  return "bad" in parsed ? limited(line, parsed.bad) : parsed.event;
}

function bad(code: Warning["code"], content: string): { bad: Warning } {
  return { bad: { type: "warning", code, content } };
}

function parseLine(line: Line): { event: SandcasterEvent } | { bad: Warning } {
  if (line.truncated) {
    return bad(
      "RUNNER_LINE_TOO_LONG",
      `the runner printed a line of ${line.bytes} bytes; it was cut and dropped: ${preview(line.text)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(line.text);
  } catch {
    return bad("RUNNER_UNPARSABLE_LINE", `unparsable runner output: ${preview(line.text)}`);
  }
  const parsed = SandcasterEventSchema.safeParse(json);
  if (!parsed.success) {
    return bad("RUNNER_INVALID_EVENT", `invalid runner event: ${preview(line.text)}`);
  }
  const event = parsed.data;
  if (
    HOST_ONLY.has(event.type) ||
    (event.type === "system" && HOST_ONLY_SYSTEM.has(event.subtype ?? ""))
  ) {
    return bad("RUNNER_INVALID_EVENT", `the runner may not emit ${event.type} events`);
  }
  // Which branch an event belongs to is the host's to say (branching/run-branch.ts tags it).
  if ("branchId" in event) delete event.branchId;
  return { event };
}
