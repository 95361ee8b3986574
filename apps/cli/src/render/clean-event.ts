// An event as the terminal may show it: every string from the server or the sandbox made safe.
import type { SandcasterEvent } from "@sandcaster/protocol";
import { safeLine, safeText } from "../terminal/safe-text.js";

/** Events whose `content` is text that flows over lines (kept multi-line, minus escapes). */
const FLOWING = new Set([
  "assistant",
  "thinking",
  "result",
  "tool_result",
  "tool_output",
  "stderr",
]);

function cleanValue(value: unknown, clean: (text: string) => string): unknown {
  if (typeof value === "string") return clean(value);
  if (Array.isArray(value)) return value.map((item) => cleanValue(item, clean));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, cleanValue(item, clean)]),
    );
  }
  return value;
}

/**
 * A copy for display only: a `file` event's content stays as it is (it is counted, and saved
 * byte for byte by --out, never printed); its path is cleaned like every other name.
 */
export function cleanEvent(event: SandcasterEvent): SandcasterEvent {
  const cleaned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === "content" && event.type === "file") cleaned[key] = value;
    else if (key === "content" && FLOWING.has(event.type))
      cleaned[key] = cleanValue(value, safeText);
    else cleaned[key] = cleanValue(value, safeLine);
  }
  return cleaned as SandcasterEvent;
}
