// Session history as Gemini contents: model parts text + functionCall, user parts functionResponse.
import type { Content, Part } from "@google/genai";
import type { PortableTurn } from "./history-repair.js";
import type { ToolResultInput } from "./model-conversation.js";

/** A functionResponse part; `id` only when Gemini itself named the call. */
export function geminiFunctionResponse(result: ToolResultInput, id?: string): Part {
  return {
    functionResponse: {
      ...(id === undefined ? {} : { id }),
      name: result.name,
      response: result.isError ? { error: result.content } : { output: result.content },
    },
  };
}

/**
 * Ids are left out: the history's ids may come from another provider, and Gemini pairs responses
 * with the calls of the model content just before them by position and name, which the repaired
 * history guarantees (same count, call order, the call's name). Calls carry no thought signature:
 * Gemini only checks those in the current turn, and every history turn ends before the new prompt.
 */
export function geminiHistory(turns: readonly PortableTurn[]): Content[] {
  const contents: Content[] = [];
  for (const turn of turns) {
    contents.push({ role: "user", parts: [{ text: turn.prompt }] });
    for (const step of turn.steps) {
      if (step.kind === "tool_results") {
        contents.push({ role: "user", parts: step.results.map((r) => geminiFunctionResponse(r)) });
        continue;
      }
      const parts: Part[] = step.text ? [{ text: step.text }] : [];
      for (const call of step.toolCalls) {
        parts.push({ functionCall: { name: call.name, args: call.input } });
      }
      contents.push({ role: "model", parts });
    }
  }
  return contents;
}
