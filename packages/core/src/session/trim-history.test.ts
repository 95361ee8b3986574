import type { HistoryTurn } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { jsonBytes } from "./cut-text.js";
import { trimHistory } from "./trim-history.js";

const turn = (n: number, size = 10): HistoryTurn => ({
  prompt: `prompt ${n}`,
  steps: [
    { kind: "assistant", text: "", toolCalls: [{ id: `c${n}`, name: "bash", input: {} }] },
    {
      kind: "tool_results",
      results: [{ id: `c${n}`, name: "bash", content: "x".repeat(size), isError: false }],
    },
    { kind: "assistant", text: `answer ${n}`, toolCalls: [] },
  ],
});

describe("trimHistory", () => {
  const turns = [1, 2, 3, 4, 5].map((n) => turn(n));

  it("keeps the newest maxTurns whole turns and counts the dropped ones", () => {
    expect(trimHistory(turns, 2)).toEqual({ turns: [turn(4), turn(5)], dropped: 3 });
    expect(trimHistory(turns, 50)).toEqual({ turns, dropped: 0 });
    expect(trimHistory(turns, 0)).toEqual({ turns: [], dropped: 5 });
    expect(turns).toHaveLength(5);
  });

  it("drops more of the oldest turns when the history is over its byte budget", () => {
    const big = [1, 2, 3, 4].map((n) => turn(n, 100_000));
    const lastThree = jsonBytes(big.slice(1));
    expect(trimHistory(big, 10, lastThree)).toEqual({ turns: big.slice(1), dropped: 1 });
    const trimmed = trimHistory(big, 10, lastThree - 1);
    expect(trimmed).toEqual({ turns: big.slice(2), dropped: 2 });
    expect(jsonBytes(trimmed.turns)).toBeLessThanOrEqual(lastThree - 1);
  });

  it("measures bytes, not characters, and leaves out even the newest turn when it alone is too big", () => {
    const wide = turn(1, 0);
    wide.prompt = "é".repeat(1000);
    expect(trimHistory([wide], 10, 1500).turns).toEqual([]);
    expect(trimHistory([wide], 10, jsonBytes([wide])).turns).toEqual([wide]);
  });
});
