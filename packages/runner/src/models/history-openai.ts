// Session history as Chat Completions messages: assistant tool_calls, then one role "tool" message per call.
import type {
  ChatCompletionMessageParam,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions";
import type { PortableTurn } from "./history-repair.js";
import type { ToolResultInput } from "./model-conversation.js";

/** Chat Completions has no error flag on tool messages, so errors say so in their text. */
export function openAIToolMessages(
  results: readonly ToolResultInput[],
): ChatCompletionToolMessageParam[] {
  return results.map((r) => ({
    role: "tool",
    tool_call_id: r.id,
    content: r.isError ? `Error: ${r.content}` : r.content,
  }));
}

export function openAIHistory(turns: readonly PortableTurn[]): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  for (const turn of turns) {
    messages.push({ role: "user", content: turn.prompt });
    for (const step of turn.steps) {
      if (step.kind === "tool_results") {
        messages.push(...openAIToolMessages(step.results));
        continue;
      }
      messages.push({
        role: "assistant",
        content: step.text || null,
        ...(step.toolCalls.length > 0
          ? {
              tool_calls: step.toolCalls.map((call) => ({
                id: call.id,
                type: "function" as const,
                function: { name: call.name, arguments: JSON.stringify(call.input) },
              })),
            }
          : {}),
      });
    }
  }
  return messages;
}
