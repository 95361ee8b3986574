// Parses one stdout line of the (untrusted) runner into a protocol event; anything else becomes a warning.
import { type SandcasterEvent, SandcasterEventSchema } from "@sandcaster/protocol";
import type { Line } from "./line-splitter.js";

const PREVIEW_CHARS = 200;

/** Events only the host may produce: a runner that prints them is ignored with a warning. */
const HOST_ONLY = new Set(["file", "stderr", "step_start", "stdout", "step_end"]);
const HOST_ONLY_SYSTEM = new Set(["init", "sandbox_ready"]);

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

export function parseRunnerLine(line: Line): SandcasterEvent | undefined {
  if (line.text.trim() === "") return undefined;
  if (line.truncated) {
    return {
      type: "warning",
      code: "RUNNER_LINE_TOO_LONG",
      content: `the runner printed a line of ${line.bytes} bytes; it was cut and dropped: ${preview(line.text)}`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(line.text);
  } catch {
    return {
      type: "warning",
      code: "RUNNER_UNPARSABLE_LINE",
      content: `unparsable runner output: ${preview(line.text)}`,
    };
  }
  const parsed = SandcasterEventSchema.safeParse(json);
  if (!parsed.success) {
    return {
      type: "warning",
      code: "RUNNER_INVALID_EVENT",
      content: `invalid runner event: ${preview(line.text)}`,
    };
  }
  const event = parsed.data;
  if (
    HOST_ONLY.has(event.type) ||
    (event.type === "system" && HOST_ONLY_SYSTEM.has(event.subtype ?? ""))
  ) {
    return {
      type: "warning",
      code: "RUNNER_INVALID_EVENT",
      content: `the runner may not emit ${event.type} events`,
    };
  }
  return event;
}
