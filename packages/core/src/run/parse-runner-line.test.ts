import { describe, expect, it } from "vitest";
import { type Line, readLines } from "./line-splitter.js";
import { MAX_INVALID_LINE_WARNINGS, parseRunnerLine } from "./parse-runner-line.js";

const line = (text: string, extra: Partial<Line> = {}): Line => ({
  text,
  truncated: false,
  bytes: Buffer.byteLength(text),
  ...extra,
});
const json = (value: unknown) => line(JSON.stringify(value));

describe("parseRunnerLine", () => {
  it("passes a valid assistant event through", () => {
    const event = { type: "assistant", subtype: "delta", content: "hi" };
    expect(parseRunnerLine(json(event))).toEqual(event);
  });

  it("passes result and error events through", () => {
    const result = { type: "result", subtype: "success", content: "done", numTurns: 2 };
    expect(parseRunnerLine(json(result))).toEqual(result);
    const error = { type: "error", content: "boom", code: "MODEL_ERROR" };
    expect(parseRunnerLine(json(error))).toEqual(error);
  });

  it("applies schema defaults (tool_result isError)", () => {
    const parsed = parseRunnerLine(json({ type: "tool_result", toolName: "bash", content: "x" }));
    expect(parsed).toEqual({ type: "tool_result", toolName: "bash", content: "x", isError: false });
  });

  it("lets non-host system events through", () => {
    const event = { type: "system", subtype: "note", content: "thinking about it" };
    expect(parseRunnerLine(json(event))).toEqual(event);
  });

  it("returns undefined for blank lines", () => {
    expect(parseRunnerLine(line(""))).toBeUndefined();
    expect(parseRunnerLine(line("   \t\r"))).toBeUndefined();
  });

  it("turns non-JSON into RUNNER_UNPARSABLE_LINE with a preview", () => {
    const parsed = parseRunnerLine(line("Segmentation fault"));
    expect(parsed).toMatchObject({ type: "warning", code: "RUNNER_UNPARSABLE_LINE" });
    expect(parsed?.content).toContain("Segmentation fault");
  });

  it("cuts the preview of a long unparsable line", () => {
    const parsed = parseRunnerLine(line(`not json ${"y".repeat(1000)}`));
    expect(parsed?.type).toBe("warning");
    expect(parsed?.content.length).toBeLessThan(300);
    expect(parsed?.content.endsWith("…")).toBe(true);
  });

  it.each([
    ["an unknown type", { type: "mystery", content: "x" }],
    ["a missing field", { type: "assistant" }],
    ["a wrong field type", { type: "assistant", content: 42 }],
    ["a JSON array", [1, 2]],
    ["a JSON string", "hello"],
    ["JSON null", null],
  ])("turns %s into RUNNER_INVALID_EVENT", (_name, value) => {
    expect(parseRunnerLine(json(value))).toMatchObject({
      type: "warning",
      code: "RUNNER_INVALID_EVENT",
    });
  });

  it("reports a truncated line as RUNNER_LINE_TOO_LONG, even if its prefix parses", () => {
    const text = JSON.stringify({ type: "assistant", content: "x" });
    const parsed = parseRunnerLine(line(text, { truncated: true, bytes: 5_000_000 }));
    expect(parsed).toMatchObject({ type: "warning", code: "RUNNER_LINE_TOO_LONG" });
    expect(parsed?.content).toContain("5000000 bytes");
  });

  it.each([
    ["file", { type: "file", path: "a.txt", content: "x" }],
    ["stderr", { type: "stderr", content: "x" }],
    ["step_start", { type: "step_start", content: "x", index: 0, command: "x" }],
    ["stdout", { type: "stdout", content: "x", index: 0 }],
    ["step_end", { type: "step_end", content: "x", index: 0, exitCode: 0, durationSecs: 1 }],
    ["system/init", { type: "system", subtype: "init", content: "x", runId: "forged" }],
    ["system/sandbox_ready", { type: "system", subtype: "sandbox_ready", content: "x" }],
  ])("refuses a host-only %s event from the runner", (_name, value) => {
    expect(parseRunnerLine(json(value))).toMatchObject({
      type: "warning",
      code: "RUNNER_INVALID_EVENT",
    });
  });
});

describe("a stream of junk lines", () => {
  async function eventsOf(text: string) {
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        // In pieces, as a pipe delivers it.
        for (let i = 0; i < bytes.length; i += 4096)
          controller.enqueue(bytes.subarray(i, i + 4096));
        controller.close();
      },
    });
    const events: NonNullable<ReturnType<typeof parseRunnerLine>>[] = [];
    await readLines(stream, 1024, (l) => {
      const event = parseRunnerLine(l);
      if (event) events.push(event);
    });
    return events;
  }

  it("gives a few warnings and one summary for 100,000 junk lines, keeping valid events", async () => {
    const valid = JSON.stringify({ type: "assistant", subtype: "delta", content: "ok" });
    const events = await eventsOf(`${"x\n".repeat(50_000)}${valid}\n${"{}\n".repeat(50_000)}`);
    const warnings = events.filter((e) => e.type === "warning");
    expect(warnings).toHaveLength(MAX_INVALID_LINE_WARNINGS + 1);
    expect(warnings.at(-1)?.content).toContain(
      `printed ${100_000 - MAX_INVALID_LINE_WARNINGS} more invalid lines`,
    );
    expect(events.filter((e) => e.type === "assistant")).toHaveLength(1);
  });

  it("passes the runner's own warning events through, however many", async () => {
    const warning = JSON.stringify({ type: "warning", content: "w" });
    const events = await eventsOf(`${warning}\n`.repeat(30));
    expect(events).toHaveLength(30);
  });

  it("adds no summary when nothing was dropped", async () => {
    const events = await eventsOf("x\n".repeat(MAX_INVALID_LINE_WARNINGS));
    expect(events).toHaveLength(MAX_INVALID_LINE_WARNINGS);
  });
});
