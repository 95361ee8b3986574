// Gemini API double: POST /v1beta/models/{model}:streamGenerateContent?alt=sse (and
// :generateContent) answered with GenerateContentResponse chunks.
import { idMaker, type ModelCall, type ProviderAdapter, startHttpDouble } from "./http-double.js";
import {
  type DoubleOptions,
  hasText,
  hasThinking,
  type ModelDouble,
  type ResolvedUsage,
  resolveUsage,
  type ScriptedTurn,
  splitText,
} from "./script.js";
import type { SseEvent } from "./sse.js";

/** The SDK appends `/v1beta/models/…` itself, so the URL is the bare origin. */
export function startGeminiDouble(options: DoubleOptions): Promise<ModelDouble> {
  return startHttpDouble(options, geminiAdapter());
}

// google.rpc status names the API puts next to each HTTP code.
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const MODEL_PATH =
  /^\/(?:v1|v1beta|v1alpha)\/models\/([^/:]+):(streamGenerateContent|generateContent)$/;

type Part = Record<string, unknown>;

function geminiAdapter(): ProviderAdapter {
  const nextId = idMaker();

  const response = (
    call: ModelCall,
    responseId: string,
    parts: Part[],
    last: boolean,
    usage: ResolvedUsage,
  ) => ({
    candidates: [
      {
        content: { role: "model", parts },
        ...(last ? { finishReason: "STOP" } : {}),
        index: 0,
      },
    ],
    ...(last ? { usageMetadata: usageJson(usage) } : {}),
    modelVersion: call.model,
    responseId,
  });

  return {
    basePath: "",
    route(method, pathname, body) {
      const match = MODEL_PATH.exec(pathname);
      if (method !== "POST" || !match?.[1]) return undefined;
      // alt=sse is assumed: the SDK always asks for it, and the JSON-array framing is not served.
      return { streaming: match[2] === "streamGenerateContent", model: match[1], body };
    },
    errorBody: (status, message, retryAfterSecs) => ({
      error: {
        code: status,
        message,
        status: STATUS_NAMES[status] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"),
        // Gemini's retry advice travels in the body as google.rpc.RetryInfo, not in a header.
        ...(retryAfterSecs === undefined
          ? {}
          : {
              details: [
                {
                  "@type": "type.googleapis.com/google.rpc.RetryInfo",
                  retryDelay: `${retryAfterSecs}s`,
                },
              ],
            }),
      },
    }),
    responseHeaders: () => ({}),
    completeBody(turn, call) {
      const parts = partGroups(turn, (text) => [text]).flat();
      return response(call, nextId("resp"), parts, true, resolveUsage(turn.usage));
    },
    streamEvents(turn, call) {
      const usage = resolveUsage(turn.usage);
      const responseId = nextId("resp");
      const groups = partGroups(turn, splitText);
      return groups.map((parts, index) => ({
        data: response(call, responseId, parts, index === groups.length - 1, usage),
      })) satisfies SseEvent[];
    },
  };
}

/**
 * The parts of each chunk: thought and text pieces one per chunk, calls together last. `pieces`
 * splits text for streaming, or keeps it whole for a one-shot response.
 */
function partGroups(turn: ScriptedTurn, pieces: (text: string) => string[]): Part[][] {
  const groups: Part[][] = [];
  for (const piece of hasThinking(turn) ? pieces(turn.thinking) : []) {
    groups.push([{ text: piece, thought: true }]);
  }
  for (const piece of hasText(turn) ? pieces(turn.text) : []) groups.push([{ text: piece }]);
  const calls = (turn.toolCalls ?? []).map((call) => ({
    // The API sends each call whole (no partial arguments), all in one chunk.
    functionCall: {
      ...(call.id === undefined ? {} : { id: call.id }),
      name: call.name,
      args: call.input,
    },
  }));
  if (calls.length > 0) groups.push(calls);
  // An empty answer still arrives as one chunk carrying finishReason and usage.
  if (groups.length === 0) groups.push([{ text: "" }]);
  return groups;
}

/** Gemini counts cached tokens inside promptTokenCount and omits zero counters. */
function usageJson(usage: ResolvedUsage): Record<string, unknown> {
  const prompt = usage.inputTokens + usage.cacheReadTokens;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: usage.outputTokens,
    ...(usage.cacheReadTokens > 0 ? { cachedContentTokenCount: usage.cacheReadTokens } : {}),
    totalTokenCount: prompt + usage.outputTokens,
  };
}
