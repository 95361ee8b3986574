// Turns a finished run's events into one provider-neutral turn of its session's history.
import type { HistoryTurn, SandcasterEvent, ToolResultEvent } from "@sandcaster/protocol";
import { boundTurn, cutStep } from "./bound-turn.js";
import { cutText } from "./cut-text.js";

type Step = HistoryTurn["steps"][number];
type AssistantStep = Step & { kind: "assistant" };
type ToolResult = (Step & { kind: "tool_results" })["results"][number];

export interface TranscriptLimits {
  /** Characters kept of each assistant text, tool result and string in a tool input. */
  textChars?: number;
  /** Characters kept of the prompt. */
  promptChars?: number;
  /** Bytes of the whole turn as JSON; the oldest steps give way first (see `boundTurn`). */
  turnBytes?: number;
}

export const DEFAULT_TRANSCRIPT_LIMITS: Readonly<Required<TranscriptLimits>> = {
  textChars: 20_000,
  promptChars: 50_000,
  turnBytes: 200_000,
};

/** What a call the run never answered (cancelled, timed out, crashed mid-tool) is given. */
export const NO_RESULT: Readonly<Pick<ToolResult, "content" | "isError">> = {
  content: "(no result: the run ended)",
  isError: true,
};

/** One model call as it is being read: its text, its calls, and the results seen so far. */
interface OpenStep {
  text: string;
  calls: AssistantStep["toolCalls"];
  results: Map<number, ToolResult>;
}

function parseInput(content: string): unknown {
  if (content.trim() === "") return {};
  try {
    return JSON.parse(content);
  } catch {
    return { __unparsable_input: content };
  }
}

/** Closes a model call: its assistant step, then its results in call order, none missing. */
function close(open: OpenStep): Step[] {
  if (!open.text && open.calls.length === 0) return [];
  const assistant: Step = { kind: "assistant", text: open.text, toolCalls: open.calls };
  if (open.calls.length === 0) return [assistant];
  const results = open.calls.map(
    (call, i) => open.results.get(i) ?? { id: call.id, name: call.name, ...NO_RESULT },
  );
  return [assistant, { kind: "tool_results", results }];
}

/** The call a result answers: by id, else (no id) the first unanswered call of the same name. */
function answeredCall(open: OpenStep, event: ToolResultEvent): number {
  return open.calls.findIndex(
    (call, i) =>
      !open.results.has(i) &&
      (event.toolUseId === undefined ? call.name === event.toolName : call.id === event.toolUseId),
  );
}

/**
 * The runner emits, per model call: thinking and assistant `complete` (after their deltas), then
 * its calls in groups: a group's `tool_use` events, then that group's `tool_result`s in the order
 * they finish. So a model call starts at a `thinking`/`assistant` complete that follows calls, or
 * at a `tool_use` that follows results. The events cannot tell a later group of the same call
 * from a new call without text; it becomes a step of its own, which is harmless: it only shows
 * the model results it had not seen yet. Deltas, thinking, composite `sandbox` tags and every
 * other event add nothing to the conversation.
 */
function readSteps(events: readonly SandcasterEvent[]): Step[] {
  const steps: Step[] = [];
  let open: OpenStep | undefined;
  let calls = 0;
  const flush = () => {
    if (open) steps.push(...close(open));
    open = undefined;
  };
  for (const event of events) {
    if (event.type === "thinking" || event.type === "assistant") {
      if (event.subtype === "delta") continue;
      if (open && open.calls.length > 0) flush();
      if (event.type === "assistant" && event.content) {
        open ??= { text: "", calls: [], results: new Map() };
        open.text = [open.text, event.content].filter(Boolean).join("\n\n");
      }
    } else if (event.type === "tool_use") {
      if (open && open.results.size > 0) flush();
      open ??= { text: "", calls: [], results: new Map() };
      calls++;
      open.calls.push({
        id: event.toolUseId ?? `tool_${calls}`,
        name: event.toolName,
        input: parseInput(event.content),
      });
    } else if (event.type === "tool_result" && open) {
      const index = answeredCall(open, event);
      const call = open.calls[index];
      if (!call) continue;
      open.results.set(index, {
        id: call.id,
        name: call.name,
        content: event.content,
        isError: event.isError,
      });
    }
  }
  flush();
  return steps;
}

/**
 * The turn a finished run adds to its session: `prompt`, then one assistant step per model call
 * (its text and tool calls) each followed by the results of those calls. Texts are cut to
 * `limits.textChars`, the prompt to `limits.promptChars`, the turn to `limits.turnBytes`.
 */
export function turnFromEvents(
  prompt: string,
  events: readonly SandcasterEvent[],
  limits: TranscriptLimits = {},
): HistoryTurn {
  const { textChars, promptChars, turnBytes } = { ...DEFAULT_TRANSCRIPT_LIMITS, ...limits };
  const steps = readSteps(events).map((step) => cutStep(step, textChars));
  return boundTurn({ prompt: cutText(prompt, promptChars), steps }, turnBytes);
}
