// Anthropic Messages API adapter: streams raw events and keeps native history (thinking signatures included).
import { BaseAnthropic } from "@anthropic-ai/sdk";
import {
  type ContentBlockParam,
  type MessageCreateParamsStreaming,
  type MessageParam,
  Messages,
} from "@anthropic-ai/sdk/resources/messages/messages";
import { sdkFetch } from "../http/sdk-fetch.js";
import { anthropicHistory, anthropicToolResults } from "./history-anthropic.js";
import { incompleteStream, mapModelError } from "./map-model-error.js";
import type {
  ConversationSettings,
  ModelConversation,
  ModelPart,
  TurnInput,
} from "./model-conversation.js";
import { thinkingBudget } from "./thinking-budget.js";

export interface AnthropicConnection {
  apiKey: string;
  baseURL?: string | undefined;
}

type Block =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "tool_use"; id: string; name: string; json: string };

const STOP_REASONS: Record<string, "stop" | "tool_calls" | "max_tokens"> = {
  end_turn: "stop",
  stop_sequence: "stop",
  tool_use: "tool_calls",
  max_tokens: "max_tokens",
};

function userMessage(input: TurnInput): MessageParam {
  if (input.kind === "user") return { role: "user", content: input.text };
  return { role: "user", content: anthropicToolResults(input.results) };
}

function toParam(block: Block): ContentBlockParam {
  if (block.type === "tool_use") {
    return { type: "tool_use", id: block.id, name: block.name, input: parseToolInput(block.json) };
  }
  return block;
}

function parseToolInput(json: string): unknown {
  if (json.trim() === "") return {};
  try {
    return JSON.parse(json);
  } catch {
    return { __unparsable_input: json };
  }
}

/** Claude 4.6 and later take adaptive thinking with an effort; earlier models take a token budget. */
function usesAdaptiveThinking(model: string): boolean {
  return (
    /^claude-(opus|sonnet|haiku|fable|mythos)-(4-[6-9]|[5-9])/.test(model) ||
    model === "claude-mythos-preview"
  );
}

function thinkingSettings(settings: ConversationSettings) {
  const level = settings.thinkingLevel;
  const keep = (max: number) => max;
  if (level === undefined) return { params: {}, maxTokens: keep };
  if (level === "none")
    return { params: { thinking: { type: "disabled" as const } }, maxTokens: keep };
  if (usesAdaptiveThinking(settings.model)) {
    return {
      params: { thinking: { type: "adaptive" as const }, output_config: { effort: level } },
      maxTokens: keep,
    };
  }
  const budget = thinkingBudget(level) ?? 1024;
  return {
    params: { thinking: { type: "enabled" as const, budget_tokens: budget } },
    maxTokens: (max: number) => Math.max(max, budget + 4096),
  };
}

/**
 * The SDK's client with the one resource the runner calls (the SDK's documented base class): the
 * full `Anthropic` client carries every resource of the API, ~70 % of the SDK's code to load.
 */
class MessagesClient extends BaseAnthropic {
  readonly messages = new Messages(this);
}

export function createAnthropicConversation(
  settings: ConversationSettings,
  connection: AnthropicConnection,
): ModelConversation {
  const client = new MessagesClient({
    apiKey: connection.apiKey,
    baseURL: connection.baseURL ?? null,
    maxRetries: 0,
    fetch: sdkFetch,
  });
  const history: MessageParam[] = anthropicHistory(settings.history);
  const thinking = thinkingSettings(settings);
  const errorContext = { provider: "Anthropic", keyVar: "ANTHROPIC_API_KEY" };

  async function* stream(input: TurnInput, signal: AbortSignal): AsyncGenerator<ModelPart> {
    const pending = userMessage(input);
    const body: MessageCreateParamsStreaming = {
      model: settings.model,
      max_tokens: thinking.maxTokens(settings.maxOutputTokens),
      system: settings.system,
      messages: [...history, pending],
      tools: settings.tools.map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: t.inputSchema as { type: "object" },
      })),
      stream: true,
      ...thinking.params,
    };
    let started = false;
    const blocks: Block[] = [];
    let stopReason: string | null | undefined;
    let stopped = false;
    const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    try {
      const events = await client.messages.create(body, { signal });
      for await (const event of events) {
        started = true;
        switch (event.type) {
          case "message_start": {
            const u = event.message.usage;
            usage.inputTokens = u.input_tokens ?? 0;
            usage.cacheReadTokens = u.cache_read_input_tokens ?? 0;
            usage.cacheWriteTokens = u.cache_creation_input_tokens ?? 0;
            usage.outputTokens = u.output_tokens ?? 0;
            break;
          }
          case "content_block_start": {
            const b = event.content_block;
            if (b.type === "text") blocks[event.index] = { type: "text", text: b.text };
            else if (b.type === "thinking")
              blocks[event.index] = {
                type: "thinking",
                thinking: b.thinking,
                signature: b.signature,
              };
            else if (b.type === "redacted_thinking")
              blocks[event.index] = { type: "redacted_thinking", data: b.data };
            else if (b.type === "tool_use")
              blocks[event.index] = { type: "tool_use", id: b.id, name: b.name, json: "" };
            if (b.type === "text" && b.text) yield { type: "text-delta", text: b.text };
            break;
          }
          case "content_block_delta": {
            const block = blocks[event.index];
            const d = event.delta;
            if (d.type === "text_delta" && block?.type === "text") {
              block.text += d.text;
              yield { type: "text-delta", text: d.text };
            } else if (d.type === "thinking_delta" && block?.type === "thinking") {
              block.thinking += d.thinking;
              yield { type: "thinking-delta", text: d.thinking };
            } else if (d.type === "signature_delta" && block?.type === "thinking") {
              block.signature += d.signature;
            } else if (d.type === "input_json_delta" && block?.type === "tool_use") {
              block.json += d.partial_json;
            }
            break;
          }
          case "content_block_stop": {
            const block = blocks[event.index];
            if (block?.type === "tool_use") {
              yield {
                type: "tool-call",
                id: block.id,
                name: block.name,
                input: parseToolInput(block.json),
              };
            }
            break;
          }
          case "message_delta": {
            stopReason = event.delta.stop_reason;
            const u = event.usage;
            usage.outputTokens = u.output_tokens ?? usage.outputTokens;
            if (u.input_tokens != null) usage.inputTokens = u.input_tokens;
            if (u.cache_read_input_tokens != null)
              usage.cacheReadTokens = u.cache_read_input_tokens;
            if (u.cache_creation_input_tokens != null)
              usage.cacheWriteTokens = u.cache_creation_input_tokens;
            break;
          }
          case "message_stop":
            stopped = true;
            break;
        }
      }
    } catch (error) {
      throw mapModelError(error, { ...errorContext, streamStarted: started });
    }
    if (!stopped) throw incompleteStream("Anthropic");
    history.push(pending, { role: "assistant", content: blocks.filter(Boolean).map(toParam) });
    yield { type: "usage", usage };
    yield { type: "finish", reason: STOP_REASONS[stopReason ?? ""] ?? "other" };
  }

  return { provider: "anthropic", model: settings.model, notices: [], stream };
}
