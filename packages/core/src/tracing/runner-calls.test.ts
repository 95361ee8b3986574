import type { SandcasterEvent } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import type { ModelCall, ToolCall } from "./run-tracer.js";
import { RunnerCalls } from "./runner-calls.js";
import { recordContentWanted, tracesEndpoint, tracingWanted } from "./tracing-env.js";

function replay(events: SandcasterEvent[]) {
  const models: ModelCall[] = [];
  const tools: ToolCall[] = [];
  let clock = 0;
  const calls = new RunnerCalls(
    { provider: "anthropic", model: "claude-haiku-4-5" },
    { modelCall: (call) => models.push(call), toolCall: (call) => tools.push(call) },
    () => clock,
  );
  calls.start();
  for (const event of events) {
    clock += 10;
    calls.event(event);
  }
  return { models, tools };
}

describe("model and tool calls from the runner's events", () => {
  it("a model call per answer, a tool call per use/result pair, in time order", () => {
    const { models, tools } = replay([
      { type: "assistant", subtype: "delta", content: "Let me" },
      { type: "assistant", subtype: "complete", content: "Let me look." },
      { type: "tool_use", toolName: "bash", content: "{}", toolUseId: "a" },
      { type: "tool_use", toolName: "read_file", content: "{}", toolUseId: "b" },
      { type: "tool_result", toolName: "read_file", content: "x", isError: true, toolUseId: "b" },
      { type: "tool_result", toolName: "bash", content: "ok", isError: false, toolUseId: "a" },
      { type: "assistant", subtype: "complete", content: "Done." },
      {
        type: "result",
        content: "Done.",
        usage: { inputTokens: 9, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0 },
      },
    ]);
    expect(models.map((m) => [m.startedAt, m.endedAt, m.source, m.output])).toEqual([
      [0, 20, "runner", "Let me look."],
      [60, 70, "runner", "Done."],
    ]);
    // Figures from the sandbox are never carried as if measured.
    for (const model of models) expect(model.usage).toBeUndefined();
    expect(tools.map((t) => [t.tool, t.startedAt, t.endedAt, t.isError])).toEqual([
      ["read_file", 40, 50, true],
      ["bash", 30, 60, false],
    ]);
  });

  it("a model call that fails ends with the error's code", () => {
    const { models } = replay([{ type: "error", code: "MODEL_ERROR", content: "overloaded" }]);
    expect(models.map((m) => m.status)).toEqual(["MODEL_ERROR"]);
  });
});

describe("tracing switches", () => {
  it("is on only with an OTLP endpoint, and OTEL_SDK_DISABLED wins", () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c/v1/traces" })).toBe(true);
    expect(
      tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_SDK_DISABLED: "true" }),
    ).toBe(false);
    expect(
      tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_TRACES_EXPORTER: "none" }),
    ).toBe(false);
  });

  it("sends spans to the traces endpoint, else to /v1/traces under the OTLP endpoint", () => {
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" })).toBe(
      "http://c:4318/v1/traces",
    );
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t/custom",
      }),
    ).toBe("http://t/custom");
    expect(tracesEndpoint({})).toBeUndefined();
  });

  it("records content only on the operator's say", () => {
    expect(recordContentWanted({}, false)).toBe(false);
    expect(recordContentWanted({}, true)).toBe(true);
    expect(
      recordContentWanted({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" }, false),
    ).toBe(true);
  });
});
