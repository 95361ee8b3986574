// Anthropic Messages API double: POST /v1/messages answered with the real SSE event sequence.
import { idMaker, type ModelCall, type ProviderAdapter, startHttpDouble } from "./http-double.js";
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

/** The SDK appends `/v1/messages` itself, so the URL is the bare origin. */
export function startAnthropicDouble(options: DoubleOptions): Promise<ModelDouble> {
  return startHttpDouble(options, anthropicAdapter());
}

type Block =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "text"; text: string; citations: null }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

// The `error.type` the real API pairs with each status; SDKs surface it as `APIError.type`.
const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

function anthropicAdapter(): ProviderAdapter {
  const nextId = idMaker();

  const blocksOf = (turn: ScriptedTurn): Block[] => {
    const blocks: Block[] = [];
    if (hasThinking(turn)) {
      blocks.push({ type: "thinking", thinking: turn.thinking, signature: nextId("sig_") });
    }
    if (hasText(turn)) blocks.push({ type: "text", text: turn.text, citations: null });
    for (const call of turn.toolCalls ?? []) {
      const id = call.id ?? nextId("toolu_");
      blocks.push({ type: "tool_use", id, name: call.name, input: call.input });
    }
    return blocks;
  };

  const message = (call: ModelCall, content: Block[], usage: ResolvedUsage, done: boolean) => ({
    id: nextId("msg_"),
    type: "message",
    role: "assistant",
    model: call.model,
    content,
    stop_reason: done ? stopReason(content) : null,
    stop_sequence: null,
    usage: {
      input_tokens: usage.inputTokens,
      cache_creation_input_tokens: usage.cacheWriteTokens,
      cache_read_input_tokens: usage.cacheReadTokens,
      cache_creation: {
        ephemeral_5m_input_tokens: usage.cacheWriteTokens,
        ephemeral_1h_input_tokens: 0,
      },
      // message_start reports the first token only; the final count arrives in message_delta.
      output_tokens: done ? usage.outputTokens : 1,
      service_tier: "standard",
    },
  });

  return {
    basePath: "",
    route(method, pathname, body) {
      if (method !== "POST" || pathname !== "/v1/messages") return undefined;
      const model = typeof body.model === "string" ? body.model : "claude-double";
      return { streaming: body.stream === true, model, body };
    },
    errorBody: (status, text) => ({
      type: "error",
      error: {
        type: ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error"),
        message: text,
      },
    }),
    responseHeaders: () => ({ "request-id": nextId("req_") }),
    completeBody: (turn, call) => message(call, blocksOf(turn), resolveUsage(turn.usage), true),
    streamEvents(turn, call) {
      const usage = resolveUsage(turn.usage);
      const blocks = blocksOf(turn);
      const events: SseEvent[] = [
        sse("message_start", { type: "message_start", message: message(call, [], usage, false) }),
        sse("ping", { type: "ping" }),
      ];
      blocks.forEach((block, index) => {
        events.push(...blockEvents(block, index));
      });
      events.push(
        sse("message_delta", {
          type: "message_delta",
          delta: { stop_reason: stopReason(blocks), stop_sequence: null },
          // The live API repeats the input counters here as whole-message totals; the SDK overwrites
          // (never adds), so a consumer summing both events would be caught double counting.
          usage: {
            input_tokens: usage.inputTokens,
            cache_creation_input_tokens: usage.cacheWriteTokens,
            cache_read_input_tokens: usage.cacheReadTokens,
            output_tokens: usage.outputTokens,
          },
        }),
        sse("message_stop", { type: "message_stop" }),
      );
      return events;
    },
  };
}

function blockEvents(block: Block, index: number): SseEvent[] {
  const delta = (payload: Record<string, unknown>) =>
    sse("content_block_delta", { type: "content_block_delta", index, delta: payload });
  const events: SseEvent[] = [];
  switch (block.type) {
    case "thinking":
      events.push(start(index, { type: "thinking", thinking: "", signature: "" }));
      for (const piece of splitText(block.thinking)) {
        events.push(delta({ type: "thinking_delta", thinking: piece }));
      }
      events.push(delta({ type: "signature_delta", signature: block.signature }));
      break;
    case "text":
      events.push(start(index, { type: "text", text: "" }));
      for (const piece of splitText(block.text))
        events.push(delta({ type: "text_delta", text: piece }));
      break;
    case "tool_use":
      events.push(start(index, { type: "tool_use", id: block.id, name: block.name, input: {} }));
      // The live API opens with an empty fragment before the real pieces.
      for (const piece of ["", ...splitJson(block.input)]) {
        events.push(delta({ type: "input_json_delta", partial_json: piece }));
      }
      break;
  }
  events.push(sse("content_block_stop", { type: "content_block_stop", index }));
  return events;
}

function start(index: number, contentBlock: Record<string, unknown>): SseEvent {
  return sse("content_block_start", {
    type: "content_block_start",
    index,
    content_block: contentBlock,
  });
}

function stopReason(blocks: Block[]): "tool_use" | "end_turn" {
  return blocks.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn";
}

function sse(event: string, data: Record<string, unknown>): SseEvent {
  return { event, data };
}
