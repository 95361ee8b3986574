// OpenAI Chat Completions adapter: OpenAI itself, OpenRouter, and any compatible server (Ollama, vLLM).
import OpenAI from "openai";
import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { sdkFetch } from "../http/sdk-fetch.js";
import { openAIHistory, openAIToolMessages } from "./history-openai.js";
import { incompleteStream, mapModelError } from "./map-model-error.js";
import type {
  ConversationSettings,
  ModelConversation,
  ModelPart,
  TurnInput,
} from "./model-conversation.js";

export interface OpenAIConnection {
  apiKey: string;
  baseURL?: string | undefined;
  /** OpenRouter takes `reasoning: {effort}`; OpenAI takes `reasoning_effort`. */
  flavour: "openai" | "openrouter";
  /** OpenAI's own API, even when reached through a gateway URL (default: no baseURL given). */
  official?: boolean | undefined;
}

const FINISH: Record<string, "stop" | "tool_calls" | "max_tokens"> = {
  stop: "stop",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  length: "max_tokens",
};

interface PendingCall {
  id: string;
  name: string;
  args: string;
}

function parseArguments(args: string): unknown {
  if (args.trim() === "") return {};
  try {
    return JSON.parse(args);
  } catch {
    return { __unparsable_input: args };
  }
}

function inputMessages(input: TurnInput): ChatCompletionMessageParam[] {
  if (input.kind === "user") return [{ role: "user", content: input.text }];
  return openAIToolMessages(input.results);
}

/** OpenAI models that take `reasoning_effort`; others reject it. */
const REASONING_MODEL = /^(gpt-5|o1|o3|o4)/;

function reasoningSettings(
  settings: ConversationSettings,
  connection: OpenAIConnection,
  notices: string[],
): Record<string, unknown> {
  const level = settings.thinkingLevel;
  if (level === undefined) return {};
  if (connection.flavour === "openrouter") {
    return level === "none" ? { reasoning: { enabled: false } } : { reasoning: { effort: level } };
  }
  if (!REASONING_MODEL.test(settings.model)) {
    notices.push(
      `thinkingLevel "${level}" ignored: model ${settings.model} takes no reasoning setting`,
    );
    return {};
  }
  if (level === "none") {
    if (settings.model.startsWith("gpt-5")) return { reasoning_effort: "minimal" };
    notices.push(`thinkingLevel "none" is not possible on ${settings.model}; using "low"`);
    return { reasoning_effort: "low" };
  }
  return { reasoning_effort: level };
}

/** Official OpenAI takes max_completion_tokens; OpenRouter and compatible servers take max_tokens. */
function outputLimit(settings: ConversationSettings, connection: OpenAIConnection) {
  return connection.flavour === "openai" && (connection.official ?? !connection.baseURL)
    ? { max_completion_tokens: settings.maxOutputTokens }
    : { max_tokens: settings.maxOutputTokens };
}

export function createOpenAIConversation(
  settings: ConversationSettings,
  connection: OpenAIConnection,
): ModelConversation {
  const client = new OpenAI({
    apiKey: connection.apiKey,
    baseURL: connection.baseURL ?? null,
    maxRetries: 0,
    fetch: sdkFetch,
  });
  const provider = connection.flavour === "openrouter" ? "OpenRouter" : "OpenAI";
  const errorContext = {
    provider,
    keyVar: connection.flavour === "openrouter" ? "OPENROUTER_API_KEY" : "OPENAI_API_KEY",
  };
  const history: ChatCompletionMessageParam[] = [
    { role: "system", content: settings.system },
    ...openAIHistory(settings.history),
  ];
  const notices: string[] = [];
  const reasoning = reasoningSettings(settings, connection, notices);

  async function* stream(input: TurnInput, signal: AbortSignal): AsyncGenerator<ModelPart> {
    const pending = inputMessages(input);
    const body = {
      model: settings.model,
      messages: [...history, ...pending],
      tools: settings.tools.map((t) => ({
        type: "function" as const,
        function: { name: t.name, description: t.description, parameters: t.inputSchema },
      })),
      stream: true,
      stream_options: { include_usage: true },
      ...outputLimit(settings, connection),
      ...reasoning,
    } as ChatCompletionCreateParamsStreaming;
    let started = false;
    let text = "";
    let finishReason: string | undefined;
    const calls: PendingCall[] = [];
    const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    try {
      const chunks = await client.chat.completions.create(body, { signal });
      for await (const chunk of chunks) {
        started = true;
        if (chunk.usage) {
          const cached = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
          usage.inputTokens = Math.max(0, chunk.usage.prompt_tokens - cached);
          usage.cacheReadTokens = cached;
          usage.outputTokens = chunk.usage.completion_tokens;
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta as typeof choice.delta & {
          reasoning_content?: string;
          reasoning?: string;
        };
        const thinking = delta.reasoning_content ?? delta.reasoning;
        if (typeof thinking === "string" && thinking)
          yield { type: "thinking-delta", text: thinking };
        if (delta.content) {
          text += delta.content;
          yield { type: "text-delta", text: delta.content };
        }
        for (const call of delta.tool_calls ?? []) {
          let slot = calls[call.index];
          if (!slot) {
            slot = { id: "", name: "", args: "" };
            calls[call.index] = slot;
          }
          if (call.id) slot.id = call.id;
          if (call.function?.name) slot.name += call.function.name;
          if (call.function?.arguments) slot.args += call.function.arguments;
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (error) {
      throw mapModelError(error, { ...errorContext, streamStarted: started });
    }
    if (!finishReason) throw incompleteStream(provider);
    const toolCalls = calls
      .filter(Boolean)
      .map((c, i) => ({ ...c, id: c.id || `call_${history.length}_${i}` }));
    history.push(...pending, {
      role: "assistant",
      content: text || null,
      ...(toolCalls.length
        ? {
            tool_calls: toolCalls.map((c) => ({
              id: c.id,
              type: "function" as const,
              function: { name: c.name, arguments: c.args || "{}" },
            })),
          }
        : {}),
    });
    for (const call of toolCalls) {
      yield { type: "tool-call", id: call.id, name: call.name, input: parseArguments(call.args) };
    }
    yield { type: "usage", usage };
    yield { type: "finish", reason: FINISH[finishReason] ?? "other" };
  }

  return { provider: connection.flavour, model: settings.model, notices, stream };
}
