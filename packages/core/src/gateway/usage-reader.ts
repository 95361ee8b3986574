// Reads one model call's usage and model id from the provider's own answer, as it streams past:
// SSE (Anthropic message_start/message_delta, OpenAI's include_usage chunk, Gemini usageMetadata)
// or a whole JSON body. The answer itself is never altered or held back.
import { StringDecoder } from "node:string_decoder";
import type { Usage } from "@sandcaster/protocol";
import type { WireFamily } from "./upstream.js";

export interface CallUsage {
  usage: Usage;
  /** The model the provider says answered, when it says so. */
  model?: string;
}

/** A JSON body larger than this is passed on without being read for usage. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** A partial SSE line longer than this is dropped (usage lines are small). */
const MAX_LINE_CHARS = 4 * 1024 * 1024;

type Json = Record<string, unknown>;

const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
const obj = (value: unknown): Json | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
const str = (value: unknown): string | undefined =>
  typeof value === "string" && value ? value : undefined;

/** Folds one JSON message of the answer into what is known so far (same rules as the runner's). */
function fold(family: WireFamily, message: Json, into: Partial<CallUsage>): void {
  const usage: Usage = into.usage ?? {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  if (family === "anthropic") {
    // message_start nests the message; message_delta and whole bodies carry usage at the top.
    const inner = obj(message.message) ?? message;
    into.model = str(inner.model) ?? into.model;
    const u = obj(inner.usage) ?? obj(message.usage);
    if (!u) return;
    usage.inputTokens = num(u.input_tokens) ?? usage.inputTokens;
    usage.cacheReadTokens = num(u.cache_read_input_tokens) ?? usage.cacheReadTokens;
    usage.cacheWriteTokens = num(u.cache_creation_input_tokens) ?? usage.cacheWriteTokens;
    usage.outputTokens = num(u.output_tokens) ?? usage.outputTokens;
  } else if (family === "openai") {
    into.model = str(message.model) ?? into.model;
    const u = obj(message.usage);
    if (!u) return;
    const cached = num(obj(u.prompt_tokens_details)?.cached_tokens) ?? 0;
    usage.inputTokens = Math.max(0, (num(u.prompt_tokens) ?? 0) - cached);
    usage.cacheReadTokens = cached;
    usage.outputTokens = num(u.completion_tokens) ?? 0;
  } else {
    into.model = str(message.modelVersion) ?? into.model;
    const u = obj(message.usageMetadata);
    if (!u) return;
    const cached = num(u.cachedContentTokenCount) ?? 0;
    usage.inputTokens = Math.max(0, (num(u.promptTokenCount) ?? 0) - cached);
    usage.cacheReadTokens = cached;
    usage.outputTokens = (num(u.candidatesTokenCount) ?? 0) + (num(u.thoughtsTokenCount) ?? 0);
  }
  into.usage = usage;
}

export interface UsageReader {
  push(chunk: Buffer): void;
  /** What the answer reported; `usage` is absent when it reported none (cut, or an error body). */
  end(): Partial<CallUsage>;
}

export function createUsageReader(
  family: WireFamily,
  contentType: string | undefined,
): UsageReader {
  const found: Partial<CallUsage> = {};
  const marker = family === "google" ? '"usageMetadata"' : '"usage"';
  const take = (text: string) => {
    try {
      const parsed: unknown = JSON.parse(text);
      // Gemini without alt=sse answers a JSON array of responses; the last one has the totals.
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
        const m = obj(message);
        if (m) fold(family, m, found);
      }
    } catch {
      // Not JSON (a keep-alive comment, [DONE], a truncated body): nothing to count.
    }
  };

  if (!/event-stream/i.test(contentType ?? "")) {
    const chunks: Buffer[] = [];
    let size = 0;
    return {
      push(chunk) {
        size += chunk.length;
        if (size <= MAX_JSON_BYTES) chunks.push(chunk);
      },
      end() {
        if (size <= MAX_JSON_BYTES) take(Buffer.concat(chunks).toString("utf8"));
        return found;
      },
    };
  }

  const decoder = new StringDecoder("utf8");
  let partial = "";
  const line = (text: string) => {
    // Only lines that can hold usage are parsed: the rest of the stream costs a substring search.
    if (text.startsWith("data:") && text.includes(marker)) take(text.slice(5));
  };
  return {
    push(chunk) {
      const text = partial + decoder.write(chunk);
      let start = 0;
      let newline = text.indexOf("\n", start);
      while (newline >= 0) {
        line(text.slice(start, newline).replace(/\r$/, ""));
        start = newline + 1;
        newline = text.indexOf("\n", start);
      }
      partial = text.slice(start);
      if (partial.length > MAX_LINE_CHARS) partial = "";
    },
    end() {
      line(partial + decoder.end());
      partial = "";
      return found;
    },
  };
}
