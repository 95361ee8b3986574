import type { SandcasterEvent } from "@sandcaster/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveOutput } from "./live-output.js";

describe("LiveOutput", () => {
  let events: SandcasterEvent[];
  beforeEach(() => {
    vi.useFakeTimers();
    events = [];
  });
  afterEach(() => vi.useRealTimers());
  const make = (budgetBytes?: number) =>
    new LiveOutput({
      toolName: "bash",
      toolUseId: "t1",
      emit: (e) => events.push(e),
      ...(budgetBytes ? { budgetBytes } : {}),
    });

  it("coalesces a burst of chunks into one event per stream per tick", () => {
    const live = make();
    for (let i = 0; i < 1000; i++) live.write("stdout", `line${i}\n`);
    live.write("stderr", "oops\n");
    expect(events).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(events.map((e) => e.type === "tool_output" && e.stream)).toEqual(["stdout", "stderr"]);
    const first = events[0];
    expect(first?.type === "tool_output" && first.content.split("\n").length).toBe(1001);
    expect(first).toMatchObject({ toolName: "bash", toolUseId: "t1" });
  });

  it("holds a partial line until its newline or the end, so a secret is never split", () => {
    const live = make();
    live.write("stdout", "done\nsk-se");
    vi.advanceTimersByTime(100);
    live.write("stdout", "cret\n");
    vi.advanceTimersByTime(100);
    live.write("stdout", "tail");
    live.close();
    expect(events.map((e) => e.type === "tool_output" && e.content)).toEqual([
      "done\n",
      "sk-secret\n",
      "tail",
    ]);
  });

  it("stops at the byte budget with one TOOL_OUTPUT_CUT warning", () => {
    const live = make(1000);
    for (let i = 0; i < 500; i++) live.write("stdout", "0123456789\n");
    vi.advanceTimersByTime(1000);
    live.write("stdout", "more\n");
    live.close();
    const out = events.filter((e) => e.type === "tool_output");
    const bytes = out.reduce((n, e) => n + (e.type === "tool_output" ? e.content.length : 0), 0);
    expect(bytes).toBe(990); // 90 whole lines: the 91st would cross the budget
    expect(events.filter((e) => e.type === "warning")).toEqual([
      expect.objectContaining({ code: "TOOL_OUTPUT_CUT" }),
    ]);
    expect(events.at(-1)?.type).toBe("warning");
  });

  it("never splits a word: a long line goes up to its last space, a budget cut drops the rest", () => {
    const live = make(20_000);
    const filler = "x".repeat(9000);
    live.write("stdout", `${filler} sk-secret-`);
    vi.advanceTimersByTime(100);
    live.write("stdout", "value and more");
    vi.advanceTimersByTime(100);
    const contents = events.map((e) => (e.type === "tool_output" ? e.content : ""));
    expect(contents).toEqual([`${filler} `]);
    live.write("stdout", ` ${"y".repeat(12_000)}`);
    live.close();
    const all = events.map((e) => (e.type === "tool_output" ? e.content : "")).join("");
    expect(all).toContain("sk-secret-value");
    expect(all).not.toContain("y");
    expect(events.at(-1)).toMatchObject({ type: "warning", code: "TOOL_OUTPUT_CUT" });
  });

  it("sends nothing after close", () => {
    const live = make();
    live.write("stdout", "a\n");
    live.close();
    live.write("stdout", "b\n");
    vi.advanceTimersByTime(500);
    expect(events).toHaveLength(1);
  });
});
