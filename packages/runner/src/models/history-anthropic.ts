// Session history as Anthropic Messages: user text, assistant text + tool_use blocks, user tool_result blocks.
import type {
  ContentBlockParam,
  MessageParam,
  ToolResultBlockParam,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type { PortableTurn } from "./history-repair.js";
import type { ToolResultInput } from "./model-conversation.js";

/** The user content that answers tool calls; the live loop and the history share it. */
export function anthropicToolResults(results: readonly ToolResultInput[]): ToolResultBlockParam[] {
  return results.map((r) => ({
    type: "tool_result",
    tool_use_id: r.id,
    content: r.content,
    is_error: r.isError,
  }));
}

export function anthropicHistory(turns: readonly PortableTurn[]): MessageParam[] {
  const messages: MessageParam[] = [];
  for (const turn of turns) {
    messages.push({ role: "user", content: turn.prompt });
    for (const step of turn.steps) {
      if (step.kind === "tool_results") {
        messages.push({ role: "user", content: anthropicToolResults(step.results) });
        continue;
      }
      // Empty text blocks are refused, so a step of calls only has tool_use blocks.
      const content: ContentBlockParam[] = step.text ? [{ type: "text", text: step.text }] : [];
      for (const call of step.toolCalls) {
        content.push({ type: "tool_use", id: call.id, name: call.name, input: call.input });
      }
      messages.push({ role: "assistant", content });
    }
  }
  return messages;
}
