// Makes a session's stored history safe for any model API before an adapter seeds from it.
import type { HistoryTurn } from "@sandcaster/protocol";
import type { ToolResultInput } from "./model-conversation.js";

export interface PortableCall {
  id: string;
  name: string;
  /** Always a JSON object: Anthropic's tool_use input and Gemini's args accept nothing else. */
  input: Record<string, unknown>;
}

export type PortableStep =
  | { kind: "assistant"; text: string; toolCalls: PortableCall[] }
  | { kind: "tool_results"; results: ToolResultInput[] };

/**
 * A turn every adapter can map one to one: each assistant step with calls is followed by a
 * `tool_results` step answering exactly those calls in call order (same ids, same names); no
 * assistant step is empty; the turn ends on an assistant step without calls; ids are unique
 * across the whole history and match `[A-Za-z0-9_-]{1,40}`.
 */
export interface PortableTurn {
  prompt: string;
  steps: PortableStep[];
}

/** Closes a turn whose run ended before the model replied, so user and model keep alternating. */
export const NO_REPLY_TEXT = "(no reply: the run ended here)";
export const EMPTY_PROMPT_TEXT = "(empty prompt)";

// Anthropic's tool_use id pattern within OpenAI's 40-character cap: fine for every provider.
const PORTABLE_ID = /^[A-Za-z0-9_-]{1,40}$/;

type Call = HistoryTurn["steps"][number] & { kind: "assistant" };
type Results = (HistoryTurn["steps"][number] & { kind: "tool_results" })["results"];

/** Hands out ids unique over the history; foreign ids that fit are kept as they are. */
function idAllocator(): (id: string) => string {
  const used = new Set<string>();
  let counter = 0;
  return (id) => {
    let next = id;
    while (!PORTABLE_ID.test(next) || used.has(next)) next = `hist_${++counter}`;
    used.add(next);
    return next;
  };
}

function portableInput(input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input === "object" && !Array.isArray(input)) return input as Record<string, unknown>;
  return { value: input };
}

const hasText = (text: string) => text.trim() !== "";

/** The calls that have a result (matched by id, first unused one), in call order. */
function pairCalls(calls: Call["toolCalls"], results: Results) {
  const unused = [...results];
  const pairs: { call: Call["toolCalls"][number]; result: Results[number] }[] = [];
  for (const call of calls) {
    const index = unused.findIndex((r) => r.id === call.id);
    const result = unused[index];
    if (!result) continue;
    unused.splice(index, 1);
    pairs.push({ call, result });
  }
  return pairs;
}

function addAssistant(steps: PortableStep[], text: string, toolCalls: PortableCall[]): void {
  const kept = hasText(text) ? text : "";
  if (!kept && toolCalls.length === 0) return;
  const last = steps.at(-1);
  // A text-only step can only be followed by another model call's step: join them into one.
  if (last?.kind === "assistant" && last.toolCalls.length === 0) {
    last.text = [last.text, kept].filter(Boolean).join("\n\n");
    last.toolCalls = toolCalls;
    return;
  }
  steps.push({ kind: "assistant", text: kept, toolCalls });
}

function repairTurn(turn: HistoryTurn, allocate: (id: string) => string): PortableTurn {
  const steps: PortableStep[] = [];
  const source = turn.steps;
  for (let i = 0; i < source.length; i++) {
    const step = source[i];
    // Results are taken together with the calls before them; any others answer nothing.
    if (step?.kind !== "assistant") continue;
    const next = source[i + 1];
    const answers = next?.kind === "tool_results" ? next.results : [];
    if (next?.kind === "tool_results") i++;
    // A call without its result is dropped (its step's text stays): no API takes a dangling call.
    const pairs = pairCalls(step.toolCalls, answers).map(({ call, result }) => {
      const id = allocate(call.id);
      return {
        call: { id, name: call.name, input: portableInput(call.input) },
        result: { id, name: call.name, content: result.content, isError: result.isError },
      };
    });
    addAssistant(
      steps,
      step.text,
      pairs.map((p) => p.call),
    );
    if (pairs.length > 0) steps.push({ kind: "tool_results", results: pairs.map((p) => p.result) });
  }
  if (steps.at(-1)?.kind !== "assistant") {
    steps.push({ kind: "assistant", text: NO_REPLY_TEXT, toolCalls: [] });
  }
  return { prompt: hasText(turn.prompt) ? turn.prompt : EMPTY_PROMPT_TEXT, steps };
}

/** Repairs what would make an API refuse the conversation; a well-formed history passes as is. */
export function repairHistory(turns: readonly HistoryTurn[]): PortableTurn[] {
  const allocate = idAllocator();
  return turns.map((turn) => repairTurn(turn, allocate));
}
