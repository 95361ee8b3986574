// The evaluators' decisions on given branch outcomes (the judge's model call itself is covered
// end to end in apps/api/test/branching.test.ts).
import type { OutputFormat } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import type { BranchOutcome } from "./branch-outcome.js";
import { branchRequest, fixedSpecs } from "./branch-specs.js";
import { readJudgeAnswer } from "./judge-evaluator.js";
import { schemaVerdict } from "./schema-evaluator.js";

function outcome(index: number, content: string, costUsd = 0.01): BranchOutcome {
  return {
    spec: { branchId: `branch-${index}`, index, prompt: "p" },
    runId: `run_${index}`,
    status: "success",
    result: { type: "result", content },
    error: undefined,
    files: [],
    costUsd,
    usage: undefined,
    numTurns: 1,
  };
}

const FORMAT: OutputFormat = {
  type: "json_schema",
  schema: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
};

describe("readJudgeAnswer", () => {
  const branches = [outcome(0, "a"), outcome(1, "b")];

  it("reads the JSON object amid prose or a fence, by id or by index", () => {
    const text =
      'Here:\n```json\n{"winnerId":"branch-1","reason":"better","scores":{"branch-1":1}}\n```';
    expect(readJudgeAnswer(text, branches)).toMatchObject({
      winner: { spec: { branchId: "branch-1" } },
      reason: "better",
      scores: { "branch-1": 1 },
    });
    expect(readJudgeAnswer('{"winnerIndex":0,"reasoning":"r"}', branches)).toMatchObject({
      winner: { spec: { branchId: "branch-0" } },
      reason: "r",
    });
  });

  it("names no winner for text without JSON, or naming a branch that did not finish", () => {
    expect(readJudgeAnswer("branch-1 is best", branches)).toBeUndefined();
    expect(readJudgeAnswer('{"winnerId":"branch-7"}', branches)).toBeUndefined();
  });

  it("drops scores of branches it was not shown", () => {
    const read = readJudgeAnswer('{"winnerId":"branch-0","scores":{"branch-9":1}}', branches);
    expect(read?.scores).toBeUndefined();
  });
});

describe("schemaVerdict", () => {
  it("keeps the answers that validate, the cheapest of them", () => {
    const verdict = schemaVerdict(
      [outcome(0, "nope"), outcome(1, '{"n":1}', 0.5), outcome(2, '```json\n{"n":2}\n```', 0.2)],
      FORMAT,
    );
    expect(verdict.winner.spec.branchId).toBe("branch-2");
    expect(verdict.structuredOutput).toEqual({ n: 2 });
    expect(verdict.scores).toEqual({ "branch-0": 0, "branch-1": 1, "branch-2": 1 });
  });

  it("fails the run with BRANCHING_FAILED when none validates", () => {
    expect(() => schemaVerdict([outcome(0, '{"n":"x"}')], FORMAT)).toThrow(
      expect.objectContaining({ code: "BRANCHING_FAILED" }),
    );
  });
});

describe("branch specs", () => {
  it("one branch per override, else count copies, at most five", () => {
    expect(fixedSpecs({ count: 5 }, () => "p")).toHaveLength(5);
    expect(fixedSpecs({}, () => "p")).toHaveLength(3);
    const specs = fixedSpecs(
      { branches: [{ model: "gpt-5" }, { provider: "google" }] },
      (i) => `p${i}`,
    );
    expect(specs.map((s) => [s.branchId, s.prompt, s.model, s.provider])).toEqual([
      ["branch-0", "p0", "gpt-5", undefined],
      ["branch-1", "p1", undefined, "google"],
    ]);
  });

  it("a branch's request drops what belongs to the whole run and keeps its own model", () => {
    const request = branchRequest(
      {
        prompt: "p",
        model: "claude-sonnet-4-5",
        provider: "anthropic",
        sessionId: "s",
        onDisconnect: "continue",
        branching: { count: 2 },
        metadata: { team: "a" },
      },
      { branchId: "branch-1", index: 1, prompt: "q", provider: "openai" },
      "run_parent",
    );
    expect(request).toEqual({
      prompt: "q",
      provider: "openai",
      metadata: { team: "a", branchOf: "run_parent", branchId: "branch-1" },
    });
  });
});
