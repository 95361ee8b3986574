import {
  type HistoryTurn,
  HistoryTurnSchema,
  type SandcasterEvent,
  type ToolResultEvent,
  type ToolUseEvent,
} from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { EARLIER_STEPS_CUT } from "./bound-turn.js";
import { jsonBytes } from "./cut-text.js";
import { NO_RESULT, turnFromEvents } from "./transcript.js";

// Events as the runner emits them for one model call: deltas, then complete, then tool groups.
const start: SandcasterEvent[] = [
  { type: "system", subtype: "init", content: "run started", runId: "r1" },
  { type: "system", subtype: "agent_start", content: "agent started", model: "m", provider: "p" },
];
const say = (text: string): SandcasterEvent[] => [
  { type: "assistant", subtype: "delta", content: text.slice(0, 3) },
  { type: "assistant", subtype: "delta", content: text.slice(3) },
  { type: "assistant", subtype: "complete", content: text },
];
const think = (text: string): SandcasterEvent[] => [
  { type: "thinking", subtype: "delta", content: text },
  { type: "thinking", subtype: "complete", content: text },
];
const use = (id: string, name: string, input: unknown): ToolUseEvent => ({
  type: "tool_use",
  toolName: name,
  toolUseId: id,
  content: JSON.stringify(input),
});
const done = (id: string, name: string, content: string, isError = false): ToolResultEvent => ({
  type: "tool_result",
  toolName: name,
  toolUseId: id,
  content,
  isError,
});
const result: SandcasterEvent = { type: "result", subtype: "success", content: "Done." };

const answer = (text: string) => ({ kind: "assistant" as const, text, toolCalls: [] });

/** Valid for the protocol, and every call answered by the very next step, in call order. */
function expectWellFormed(turn: HistoryTurn): void {
  expect(HistoryTurnSchema.parse(turn)).toEqual(turn);
  turn.steps.forEach((step, i) => {
    const next = turn.steps[i + 1];
    if (step.kind === "assistant" && step.toolCalls.length > 0) {
      expect(next?.kind).toBe("tool_results");
      const ids = next?.kind === "tool_results" ? next.results.map((r) => r.id) : [];
      expect(ids).toEqual(step.toolCalls.map((c) => c.id));
    }
    if (step.kind === "tool_results") expect(turn.steps[i - 1]?.kind).toBe("assistant");
  });
}

describe("turnFromEvents", () => {
  it("reads a call, its result and the answer, ignoring deltas and bookkeeping events", () => {
    const turn = turnFromEvents("write hello to out.txt", [
      ...start,
      ...say("I'll create the file."),
      use("toolu_1", "bash", { command: "echo hello > out.txt" }),
      done("toolu_1", "bash", "(no output)"),
      ...say("Done."),
      { type: "file", path: "out.txt", content: "hello\n" },
      result,
    ]);
    expect(turn).toEqual({
      prompt: "write hello to out.txt",
      steps: [
        {
          kind: "assistant",
          text: "I'll create the file.",
          toolCalls: [{ id: "toolu_1", name: "bash", input: { command: "echo hello > out.txt" } }],
        },
        {
          kind: "tool_results",
          results: [{ id: "toolu_1", name: "bash", content: "(no output)", isError: false }],
        },
        answer("Done."),
      ],
    });
  });

  it("orders the results of parallel calls by call order and keeps error results", () => {
    const turn = turnFromEvents("look around", [
      ...say("Looking."),
      use("a", "read_file", { path: "a.txt" }),
      use("b", "grep", { pattern: "x" }),
      done("b", "grep", "no such pattern", true),
      done("a", "read_file", "hello"),
      ...say("a.txt says hello."),
    ]);
    expect(turn.steps[1]).toEqual({
      kind: "tool_results",
      results: [
        { id: "a", name: "read_file", content: "hello", isError: false },
        { id: "b", name: "grep", content: "no such pattern", isError: true },
      ],
    });
    expectWellFormed(turn);
  });

  it("starts a new step at a call after results, and at thinking after calls (thinking dropped)", () => {
    const turn = turnFromEvents("go", [
      ...think("plan"),
      ...say("Step one."),
      use("a", "read_file", { path: "a" }),
      use("b", "read_file", { path: "b" }),
      done("a", "read_file", "A"),
      done("b", "read_file", "B"),
      use("c", "bash", { command: "make" }),
      done("c", "bash", "ok"),
      ...think("next"),
      use("d", "bash", { command: "make test" }),
      { type: "warning", content: "retrying" },
      done("d", "bash", "passed"),
      ...think("wrap up"),
      ...say("All green."),
    ]);
    expect(
      turn.steps.map((s) => (s.kind === "assistant" ? s.toolCalls.map((c) => c.id) : s.kind)),
    ).toEqual([["a", "b"], "tool_results", ["c"], "tool_results", ["d"], "tool_results", []]);
    expect(turn.steps[2]).toMatchObject({ kind: "assistant", text: "" });
    expect(JSON.stringify(turn)).not.toMatch(/plan|next|wrap up/);
    expectWellFormed(turn);
  });

  it("answers calls a cancelled run never finished, so no call is left dangling", () => {
    const turn = turnFromEvents("run both", [
      ...say("Running."),
      use("x", "bash", { command: "sleep 100" }),
      use("y", "read_file", { path: "y" }),
      done("y", "read_file", "Y"),
      { type: "error", code: "CANCELLED", content: "runner received SIGTERM" },
    ]);
    expect(turn.steps[1]).toEqual({
      kind: "tool_results",
      results: [
        { id: "x", name: "bash", ...NO_RESULT },
        { id: "y", name: "read_file", content: "Y", isError: false },
      ],
    });
    expectWellFormed(turn);
  });

  it("keeps composite calls as plain tools and ignores their live output", () => {
    const turn = turnFromEvents("fan out", [
      { ...use("s1", "exec_in", { sandbox: "b", command: "ls" }), sandbox: "b" },
      { type: "tool_output", toolName: "exec_in", toolUseId: "s1", stream: "stdout", content: "f" },
      { ...done("s1", "exec_in", "f\n"), sandbox: "b" },
      ...say("b holds f."),
    ]);
    expect(turn.steps).toEqual([
      {
        kind: "assistant",
        text: "",
        toolCalls: [{ id: "s1", name: "exec_in", input: { sandbox: "b", command: "ls" } }],
      },
      {
        kind: "tool_results",
        results: [{ id: "s1", name: "exec_in", content: "f\n", isError: false }],
      },
      answer("b holds f."),
    ]);
  });

  it("copes with inputs that are not JSON and events without ids", () => {
    const turn = turnFromEvents("go", [
      { type: "tool_use", toolName: "bash", content: "{not json" },
      { type: "tool_use", toolName: "glob", content: "" },
      { type: "tool_result", toolName: "glob", content: "none", isError: false },
      { type: "tool_result", toolName: "bash", content: "ran", isError: false },
      done("stray", "bash", "answers nothing"),
    ]);
    expect(turn.steps).toEqual([
      {
        kind: "assistant",
        text: "",
        toolCalls: [
          { id: "tool_1", name: "bash", input: { __unparsable_input: "{not json" } },
          { id: "tool_2", name: "glob", input: {} },
        ],
      },
      {
        kind: "tool_results",
        results: [
          { id: "tool_1", name: "bash", content: "ran", isError: false },
          { id: "tool_2", name: "glob", content: "none", isError: false },
        ],
      },
    ]);
  });

  it("gives a run that did nothing an empty turn", () => {
    expect(turnFromEvents("hi", [...start, { type: "error", content: "no key" }])).toEqual({
      prompt: "hi",
      steps: [],
    });
  });

  it("cuts long texts, tool results and input strings with a note, keeping head and tail", () => {
    const long = `HEAD${"x".repeat(50_000)}TAIL`;
    const turn = turnFromEvents(`ask ${"p".repeat(60_000)}`, [
      ...say(long),
      use("w", "write_file", { path: "big.txt", content: long }),
      done("w", "write_file", long, true),
    ]);
    const [step, results] = turn.steps;
    const texts = [
      step?.kind === "assistant" ? step.text : "",
      step?.kind === "assistant"
        ? String((step.toolCalls[0]?.input as { content?: string })?.content)
        : "",
      results?.kind === "tool_results" ? (results.results[0]?.content ?? "") : "",
    ];
    for (const text of texts) {
      expect(text.length).toBeLessThanOrEqual(20_000);
      expect(text).toMatch(/^HEAD/);
      expect(text).toMatch(/TAIL$/);
      expect(text).toContain("characters cut from the session history");
    }
    expect(turn.prompt.length).toBeLessThanOrEqual(50_000);
    expect(step?.kind === "assistant" && step.toolCalls[0]?.input).toMatchObject({
      path: "big.txt",
    });
  });

  it("bounds the turn by cutting the oldest steps first, keeping the newest whole", () => {
    const events: SandcasterEvent[] = [];
    for (let i = 0; i < 30; i++) {
      events.push(
        use(`c${i}`, "read_file", { path: `f${i}` }),
        done(`c${i}`, "read_file", `${i}:${"r".repeat(15_000)}`),
      );
    }
    events.push(...say("Read them all."));
    const turn = turnFromEvents("read everything", events);
    expect(jsonBytes(turn)).toBeLessThanOrEqual(200_000);
    expectWellFormed(turn);
    const contents = turn.steps.flatMap((s) => (s.kind === "tool_results" ? s.results : []));
    expect(contents).toHaveLength(30);
    expect(contents[0]?.content.length).toBeLessThanOrEqual(1000);
    expect(contents[29]?.content).toBe(`29:${"r".repeat(15_000)}`);
    expect(turn.steps.at(-1)).toEqual(answer("Read them all."));
  });

  it("drops the oldest steps whole when stubs alone are too big, saying so", () => {
    const events: SandcasterEvent[] = [];
    for (let i = 0; i < 400; i++) {
      events.push(
        use(`c${i}`, "bash", { command: `step ${i}` }),
        done(`c${i}`, "bash", "o".repeat(5000)),
      );
    }
    events.push(...say("Finished."));
    const turn = turnFromEvents("grind", events, { turnBytes: 100_000 });
    expect(jsonBytes(turn)).toBeLessThanOrEqual(100_000);
    expectWellFormed(turn);
    expect(turn.steps[0]).toMatchObject({ kind: "assistant" });
    expect(turn.steps[0]?.kind === "assistant" && turn.steps[0].text).toBe(EARLIER_STEPS_CUT);
    const lastCall = turn.steps.at(-3);
    expect(lastCall?.kind === "assistant" && lastCall.toolCalls[0]?.id).toBe("c399");
    expect(turn.steps.at(-1)).toEqual(answer("Finished."));
  });
});
