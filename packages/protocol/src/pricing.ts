// Maintained price table (USD per million tokens) and the cost of one model call.
import type { Usage } from "./usage.js";

/** When the table below was last checked against the providers' price pages. */
export const PRICES_CHECKED_ON = "2026-11-21";

export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  /** Cache writes (Anthropic 5-minute cache); providers that do not charge for writes have 0. */
  cacheWrite: number;
  /** Prices that apply to the whole call when its prompt exceeds `thresholdTokens`. */
  longContext?: { thresholdTokens: number } & Omit<ModelPrice, "longContext">;
}

const p = (input: number, output: number, cacheRead: number, cacheWrite = 0): ModelPrice => ({
  input,
  output,
  cacheRead,
  cacheWrite,
});

const SONNET_4: ModelPrice = {
  ...p(3, 15, 0.3, 3.75),
  longContext: { thresholdTokens: 200_000, ...p(6, 22.5, 0.6, 7.5) },
};
const GEMINI_25_PRO: ModelPrice = {
  ...p(1.25, 10, 0.125),
  longContext: { thresholdTokens: 200_000, ...p(2.5, 15, 0.25) },
};

// Only models whose prices were read off the providers' own pages; a model missing here gets no
// costUsd (and a warning) rather than a guessed one.
const OPUS_45_AND_LATER = p(5, 25, 0.5, 6.25);

const PRICES: Record<string, ModelPrice> = {
  "claude-opus-5": OPUS_45_AND_LATER,
  "claude-opus-4-8": OPUS_45_AND_LATER,
  "claude-opus-4-7": OPUS_45_AND_LATER,
  "claude-opus-4-6": OPUS_45_AND_LATER,
  "claude-opus-4-5": OPUS_45_AND_LATER,
  "claude-opus-4-1": p(15, 75, 1.5, 18.75),
  "claude-opus-4": p(15, 75, 1.5, 18.75),
  // Sonnet 4.6 has no long-context surcharge.
  "claude-sonnet-4-6": p(3, 15, 0.3, 3.75),
  "claude-sonnet-4-5": SONNET_4,
  "claude-sonnet-4": SONNET_4,
  "claude-3-7-sonnet": p(3, 15, 0.3, 3.75),
  "claude-haiku-4-5": p(1, 5, 0.1, 1.25),
  "claude-3-5-haiku": p(0.8, 4, 0.08, 1),
  "gpt-5": p(1.25, 10, 0.125),
  "gpt-5-mini": p(0.25, 2, 0.025),
  "gpt-5-nano": p(0.05, 0.4, 0.005),
  "gpt-4.1": p(2, 8, 0.5),
  "gpt-4.1-mini": p(0.4, 1.6, 0.1),
  "gpt-4.1-nano": p(0.1, 0.4, 0.025),
  "gpt-4o": p(2.5, 10, 1.25),
  "gpt-4o-mini": p(0.15, 0.6, 0.075),
  o3: p(2, 8, 0.5),
  "o4-mini": p(1.1, 4.4, 0.275),
  "gemini-2.5-pro": GEMINI_25_PRO,
  "gemini-2.5-flash": p(0.3, 2.5, 0.03),
  "gemini-2.5-flash-lite": p(0.1, 0.4, 0.01),
};

/**
 * The table key for a model id: vendor prefix ("anthropic/"), date or "-latest" suffix dropped,
 * and Claude's dotted versions as OpenRouter writes them ("claude-sonnet-4.5") dashed.
 */
export function priceKey(model: string): string {
  let key = model.toLowerCase().trim();
  const slash = key.lastIndexOf("/");
  if (slash >= 0) key = key.slice(slash + 1);
  key = key.replace(/-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/, "");
  if (key.startsWith("claude")) key = key.replace(/(\d)\.(\d)/g, "$1-$2");
  return key;
}

export function priceOf(model: string): ModelPrice | undefined {
  return PRICES[priceKey(model)];
}

/** Cost in USD of one call, or undefined for a model the table does not know. */
export function costOfCall(model: string, usage: Usage): number | undefined {
  const base = priceOf(model);
  if (!base) return undefined;
  const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  const price =
    base.longContext && prompt > base.longContext.thresholdTokens ? base.longContext : base;
  const micro =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheReadTokens * price.cacheRead +
    usage.cacheWriteTokens * price.cacheWrite;
  return micro / 1_000_000;
}

/** Rounds a dollar figure for display and storage without float noise (1e-9 USD). */
export function roundUsd(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
