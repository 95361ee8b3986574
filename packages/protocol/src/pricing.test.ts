import { describe, expect, it } from "vitest";
import { costOfCall, priceKey } from "./pricing.js";

const usage = (
  inputTokens: number,
  outputTokens: number,
  cacheReadTokens = 0,
  cacheWriteTokens = 0,
) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
});

describe("pricing", () => {
  it("normalises dated, vendor-prefixed and dotted model ids", () => {
    expect(priceKey("claude-haiku-4-5-20251001")).toBe("claude-haiku-4-5");
    expect(priceKey("anthropic/claude-sonnet-4.6")).toBe("claude-sonnet-4-6");
    expect(priceKey("openai/gpt-4.1-mini")).toBe("gpt-4.1-mini");
    expect(priceKey("gpt-4o-2024-08-06")).toBe("gpt-4o");
  });

  it("prices each token kind at its own rate", () => {
    // haiku 4.5: $1 in, $5 out, $0.10 cache read, $1.25 cache write per million
    expect(costOfCall("claude-haiku-4-5", usage(1_000_000, 0))).toBeCloseTo(1, 12);
    expect(costOfCall("claude-haiku-4-5", usage(0, 1_000_000))).toBeCloseTo(5, 12);
    expect(costOfCall("claude-haiku-4-5", usage(0, 0, 1_000_000))).toBeCloseTo(0.1, 12);
    expect(costOfCall("claude-haiku-4-5", usage(0, 0, 0, 1_000_000))).toBeCloseTo(1.25, 12);
  });

  it("switches to long-context prices above the threshold", () => {
    expect(costOfCall("claude-sonnet-4-5", usage(200_000, 0))).toBeCloseTo(0.6, 12);
    expect(costOfCall("claude-sonnet-4-5", usage(200_001, 0))).toBeCloseTo(200_001 * 6e-6, 12);
    expect(costOfCall("gemini-2.5-pro", usage(100_000, 0, 150_000))).toBeCloseTo(
      100_000 * 2.5e-6 + 150_000 * 0.25e-6,
      12,
    );
  });

  it("knows nothing of unknown models rather than guessing", () => {
    expect(costOfCall("llama3.1:8b", usage(10, 10))).toBeUndefined();
    expect(costOfCall("claude-sonnet-9", usage(10, 10))).toBeUndefined();
  });
});
