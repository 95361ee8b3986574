// The script a test hands a model double: what each model call answers, plus the pieces every
// provider derives from it the same way (usage defaults, how text and JSON are split into deltas).

export interface ScriptedToolCall {
  /** Provider-specific id; generated (`toolu_…` / `call_…`) when omitted. Gemini only sends it if set. */
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ScriptedUsage {
  /** Uncached input, as in `@sandcaster/protocol` Usage: never overlaps the cache counters. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/** One model call's answer. Each request consumes exactly one turn, errors included. */
export interface ScriptedTurn {
  /** Streamed as reasoning before the text. */
  thinking?: string;
  /** Streamed in about three deltas so consumers see real incremental text. */
  text?: string;
  toolCalls?: ScriptedToolCall[];
  usage?: ScriptedUsage;
  /** Answer with this HTTP status and the provider's error JSON instead of a stream. */
  error?: { status: number; message?: string; retryAfterSecs?: number };
  /** Write that many SSE events, then destroy the socket: a connection lost mid-stream. */
  cutAfterEvents?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Wait this long between SSE events. */
  chunkDelayMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path including the query string, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`. */
  path: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON; the raw text when the body is not JSON; undefined when empty. */
  body: unknown;
}

export interface ModelDouble {
  /** Base URL to hand the SDK. */
  url: string;
  /** Every request received, in arrival order (including 404s and ones past the script's end). */
  requests: RecordedRequest[];
  /** Turns not consumed yet. */
  pending(): number;
  /** Stops the server and destroys open connections (including streams still being written). */
  close(): Promise<void>;
}

export interface DoubleOptions {
  turns: ScriptedTurn[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
}

/** Usage with every counter present, so providers never branch on missing fields. */
export type ResolvedUsage = Required<ScriptedUsage>;

// Small but non-zero, so code that ignores usage (or reads the wrong field) shows up as a wrong sum.
const DEFAULT_USAGE: ResolvedUsage = {
  inputTokens: 12,
  outputTokens: 7,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
};

export function resolveUsage(usage: ScriptedUsage | undefined): ResolvedUsage {
  if (!usage) return { ...DEFAULT_USAGE };
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens ?? 0,
    cacheWriteTokens: usage.cacheWriteTokens ?? 0,
  };
}

/**
 * Splits `text` into up to `parts` non-empty pieces of similar length. Splits by code point so a
 * surrogate pair (emoji) is never torn across two deltas.
 */
export function splitText(text: string, parts = 3): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const count = Math.min(parts, chars.length);
  const size = Math.ceil(chars.length / count);
  const pieces: string[] = [];
  for (let start = 0; start < chars.length; start += size) {
    pieces.push(chars.slice(start, start + size).join(""));
  }
  return pieces;
}

/** The JSON text of a tool input in at least two pieces, as providers stream partial JSON. */
export function splitJson(input: Record<string, unknown>): string[] {
  return splitText(JSON.stringify(input), 3);
}

/** True when the turn has text worth a text block (an empty string counts as none). */
export function hasText(turn: ScriptedTurn): turn is ScriptedTurn & { text: string } {
  return typeof turn.text === "string" && turn.text.length > 0;
}

export function hasThinking(turn: ScriptedTurn): turn is ScriptedTurn & { thinking: string } {
  return typeof turn.thinking === "string" && turn.thinking.length > 0;
}
