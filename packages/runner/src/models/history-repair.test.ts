import type { HistoryTurn } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { SESSION_HISTORY } from "./history.fixture.js";
import { EMPTY_PROMPT_TEXT, NO_REPLY_TEXT, repairHistory } from "./history-repair.js";

const answer = (text: string) => ({ kind: "assistant" as const, text, toolCalls: [] });
const call = (id: string, name = "bash", input: unknown = { command: "ls" }) => ({
  id,
  name,
  input,
});
const result = (id: string, content = "ok", isError = false, name = "bash") => ({
  id,
  name,
  content,
  isError,
});

describe("repairHistory", () => {
  it("keeps a well-formed history, putting results in call order", () => {
    const [first, second] = repairHistory(SESSION_HISTORY);
    expect(first?.steps[1]).toEqual({
      kind: "tool_results",
      results: [
        { id: "toolu_01A", name: "list_files", content: "a.txt", isError: false },
        { id: "toolu_01B", name: "read_file", content: "hello", isError: false },
      ],
    });
    expect(first?.steps.map((s) => s.kind)).toEqual([
      "assistant",
      "tool_results",
      "assistant",
      "tool_results",
      "assistant",
    ]);
    expect(second).toEqual(SESSION_HISTORY[1]);
  });

  it("drops a call without its result and a result without its call, keeping the text", () => {
    const [turn] = repairHistory([
      {
        prompt: "go",
        steps: [
          { kind: "assistant", text: "Two things.", toolCalls: [call("a"), call("b")] },
          { kind: "tool_results", results: [result("a"), result("stray")] },
          answer("Done."),
        ],
      },
    ]);
    expect(turn?.steps).toEqual([
      { kind: "assistant", text: "Two things.", toolCalls: [{ ...call("a") }] },
      { kind: "tool_results", results: [result("a")] },
      answer("Done."),
    ]);
  });

  it("removes a step of calls none of which were answered, and results with no calls before them", () => {
    const [turn] = repairHistory([
      {
        prompt: "go",
        steps: [
          { kind: "tool_results", results: [result("orphan")] },
          { kind: "assistant", text: "", toolCalls: [call("a")] },
          answer("Gave up."),
        ],
      },
    ]);
    expect(turn?.steps).toEqual([answer("Gave up.")]);
  });

  it("closes a turn that ended on tool results, or before any step, with a note", () => {
    const turns = repairHistory([
      {
        prompt: "cancelled mid-run",
        steps: [
          { kind: "assistant", text: "Working.", toolCalls: [call("a")] },
          { kind: "tool_results", results: [result("a")] },
        ],
      },
      { prompt: "failed at once", steps: [] },
    ]);
    expect(turns[0]?.steps.at(-1)).toEqual(answer(NO_REPLY_TEXT));
    expect(turns[1]?.steps).toEqual([answer(NO_REPLY_TEXT)]);
  });

  it("joins consecutive text steps and drops blank ones", () => {
    const [turn] = repairHistory([
      {
        prompt: "go",
        steps: [
          answer("First."),
          answer("  \n"),
          { kind: "assistant", text: "Second.", toolCalls: [call("a")] },
          { kind: "tool_results", results: [result("a")] },
          answer("Done."),
        ],
      },
    ]);
    expect(turn?.steps).toEqual([
      { kind: "assistant", text: "First.\n\nSecond.", toolCalls: [call("a")] },
      { kind: "tool_results", results: [result("a")] },
      answer("Done."),
    ]);
  });

  it("rewrites ids an API would refuse or that repeat, the same way in call and result", () => {
    const turn = (id: string): HistoryTurn => ({
      prompt: "go",
      steps: [
        { kind: "assistant", text: "", toolCalls: [call(id)] },
        { kind: "tool_results", results: [result(id)] },
        answer("Done."),
      ],
    });
    const turns = repairHistory([
      turn("call_1"),
      turn("call_1"),
      turn("functions.bash:0"),
      turn("x".repeat(41)),
    ]);
    const ids = turns.map((t) => {
      const [step, results] = t.steps;
      const callId = step?.kind === "assistant" ? step.toolCalls[0]?.id : undefined;
      const resultId = results?.kind === "tool_results" ? results.results[0]?.id : undefined;
      expect(resultId).toBe(callId);
      return callId;
    });
    expect(ids).toEqual(["call_1", "hist_1", "hist_2", "hist_3"]);
  });

  it("pairs repeated ids within a step in order and names each result after its call", () => {
    const [turn] = repairHistory([
      {
        prompt: "go",
        steps: [
          { kind: "assistant", text: "", toolCalls: [call("dup", "grep"), call("dup", "glob")] },
          {
            kind: "tool_results",
            results: [result("dup", "first", false, "wrong"), result("dup", "second", true)],
          },
        ],
      },
    ]);
    expect(turn?.steps[1]).toEqual({
      kind: "tool_results",
      results: [
        { id: "dup", name: "grep", content: "first", isError: false },
        { id: "hist_1", name: "glob", content: "second", isError: true },
      ],
    });
  });

  it("makes every tool input an object and never leaves a prompt empty", () => {
    const [turn] = repairHistory([
      {
        prompt: " ",
        steps: [
          {
            kind: "assistant",
            text: "",
            toolCalls: [
              { id: "a", name: "bash", input: undefined },
              call("b", "bash", "ls"),
              call("c", "x", [1]),
            ],
          },
          { kind: "tool_results", results: [result("a"), result("b"), result("c")] },
          answer("Done."),
        ],
      },
    ]);
    expect(turn?.prompt).toBe(EMPTY_PROMPT_TEXT);
    const [step] = turn?.steps ?? [];
    expect(step?.kind === "assistant" && step.toolCalls.map((c) => c.input)).toEqual([
      {},
      { value: "ls" },
      { value: [1] },
    ]);
  });
});
