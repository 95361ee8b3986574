// OpenAI Chat Completions double: POST /v1/chat/completions answered with `data:` chunk lines.
import {
  asRecord,
  idMaker,
  type ModelCall,
  type ProviderAdapter,
  startHttpDouble,
  unixNow,
} from "./http-double.js";
import {
  type DoubleOptions,
  hasText,
  hasThinking,
  type ModelDouble,
  type ResolvedUsage,
  resolveUsage,
  type ScriptedTurn,
  splitJson,
  splitText,
} from "./script.js";
import type { SseEvent } from "./sse.js";

/** The SDK's base URL includes `/v1` and it appends `/chat/completions`. */
export function startOpenAIDouble(options: DoubleOptions): Promise<ModelDouble> {
  return startHttpDouble(options, openAIAdapter());
}

// `type` and `code` as the live API pairs them with each status.
const ERRORS: Record<number, { type: string; code: string | null }> = {
  400: { type: "invalid_request_error", code: null },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  403: { type: "invalid_request_error", code: "unsupported_country_region_territory" },
  404: { type: "invalid_request_error", code: "unknown_url" },
  429: { type: "requests", code: "rate_limit_exceeded" },
  500: { type: "server_error", code: null },
  503: { type: "server_error", code: "service_unavailable" },
};

interface ToolCallOut {
  id: string;
  name: string;
  arguments: string;
  input: Record<string, unknown>;
}

function openAIAdapter(): ProviderAdapter {
  const nextId = idMaker();

  const toolCallsOf = (turn: ScriptedTurn): ToolCallOut[] =>
    (turn.toolCalls ?? []).map((call) => ({
      id: call.id ?? nextId("call_"),
      name: call.name,
      arguments: JSON.stringify(call.input),
      input: call.input,
    }));

  return {
    basePath: "/v1",
    route(method, pathname, body) {
      if (method !== "POST" || pathname !== "/v1/chat/completions") return undefined;
      const model = typeof body.model === "string" ? body.model : "gpt-double";
      return { streaming: body.stream === true, model, body };
    },
    errorBody: (status, message) => {
      const known = ERRORS[status] ?? {
        type: status >= 500 ? "server_error" : "invalid_request_error",
        code: null,
      };
      return { error: { message, type: known.type, param: null, code: known.code } };
    },
    responseHeaders: () => ({ "x-request-id": nextId("req_") }),
    completeBody(turn, call) {
      const toolCalls = toolCallsOf(turn);
      return {
        id: nextId("chatcmpl-"),
        object: "chat.completion",
        created: unixNow(),
        model: call.model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: hasText(turn) ? turn.text : null,
              refusal: null,
              ...(hasThinking(turn) ? { reasoning_content: turn.thinking } : {}),
              ...(toolCalls.length > 0
                ? {
                    tool_calls: toolCalls.map((tool) => ({
                      id: tool.id,
                      type: "function",
                      function: { name: tool.name, arguments: tool.arguments },
                    })),
                  }
                : {}),
            },
            logprobs: null,
            finish_reason: toolCalls.length > 0 ? "tool_calls" : "stop",
          },
        ],
        usage: usageJson(resolveUsage(turn.usage)),
      };
    },
    streamEvents(turn, call) {
      return streamChunks(turn, call, nextId("chatcmpl-"), toolCallsOf(turn));
    },
  };
}

function streamChunks(
  turn: ScriptedTurn,
  call: ModelCall,
  id: string,
  toolCalls: ToolCallOut[],
): SseEvent[] {
  const includeUsage = asRecord(call.body.stream_options).include_usage === true;
  const created = unixNow();
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): SseEvent => ({
    data: {
      id,
      object: "chat.completion.chunk",
      created,
      model: call.model,
      system_fingerprint: null,
      choices,
      // With include_usage the live API sends `usage: null` on every chunk but the last.
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    },
  });
  const delta = (payload: Record<string, unknown>, finishReason: string | null = null) =>
    chunk([{ index: 0, delta: payload, logprobs: null, finish_reason: finishReason }]);

  const events: SseEvent[] = [delta({ role: "assistant", content: "", refusal: null })];
  // Reasoning models behind OpenAI-compatible APIs (DeepSeek, vLLM, …) stream it in this field.
  for (const piece of hasThinking(turn) ? splitText(turn.thinking) : []) {
    events.push(delta({ reasoning_content: piece }));
  }
  for (const piece of hasText(turn) ? splitText(turn.text) : []) {
    events.push(delta({ content: piece }));
  }
  toolCalls.forEach((tool, index) => {
    // First the call's identity with empty arguments, then the arguments in pieces, as the live API.
    const opening = {
      index,
      id: tool.id,
      type: "function",
      function: { name: tool.name, arguments: "" },
    };
    events.push(delta({ tool_calls: [opening] }));
    for (const piece of splitJson(tool.input)) {
      events.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  events.push(delta({}, toolCalls.length > 0 ? "tool_calls" : "stop"));
  if (includeUsage) events.push(chunk([], { usage: usageJson(resolveUsage(turn.usage)) }));
  events.push({ data: "[DONE]" });
  return events;
}

/** OpenAI counts cached tokens inside prompt_tokens; there is no cache-write counter. */
function usageJson(usage: ResolvedUsage): Record<string, unknown> {
  const prompt = usage.inputTokens + usage.cacheReadTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.outputTokens,
    total_tokens: prompt + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}
