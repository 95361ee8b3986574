// The run tracer against the real SDK with an in-memory exporter: which spans a run makes, and that
// model calls come from the host once the gateway meters them (never twice, never the sandbox's usage).
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import type { SandcasterEvent } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { otelRunTracing } from "./otel-run-tracer.js";

function tracedRun() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = otelRunTracing(provider.getTracer("test")).startRun({
    parent: undefined,
    runId: "run-1",
    model: { provider: "anthropic", model: "claude-haiku-4-5" },
    sandboxProvider: "local",
    sessionId: undefined,
    prompt: "secret prompt",
    recordContent: false,
  });
  const spans = () => exporter.getFinishedSpans();
  return { tracer, spans };
}

const TURN: SandcasterEvent[] = [
  { type: "assistant", subtype: "complete", content: "Let me look." },
  { type: "tool_use", toolName: "bash", content: "{}", toolUseId: "a" },
  { type: "tool_result", toolName: "bash", content: "ok", isError: false, toolUseId: "a" },
  { type: "assistant", subtype: "complete", content: "Done." },
];

describe("otelRunTracing", () => {
  it("with the gateway metering, model spans are the host's calls with usage and cost", async () => {
    const { tracer, spans } = tracedRun();
    const record = tracer.hostModelCalls();
    await tracer.phase("runner.exec", async () => {
      for (const event of TURN) tracer.event(event);
      record({
        provider: "anthropic",
        model: "claude-haiku-4-5",
        startedAt: Date.now() - 5,
        endedAt: Date.now(),
        source: "gateway",
        usage: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 0 },
        costUsd: 0.0001,
        status: "ok",
      });
    });
    const chats = spans().filter((span) => span.name === "chat claude-haiku-4-5");
    expect(chats).toHaveLength(1);
    expect(chats[0]?.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 10,
      "gen_ai.usage.output_tokens": 2,
      "gen_ai.usage.cache_read.input_tokens": 3,
      "sandcaster.cost_usd": 0.0001,
      "sandcaster.measured_by": "gateway",
    });
    expect(spans().map((span) => span.name)).toContain("execute_tool bash");
  });

  it("without a gateway, model spans are derived from the events, without their usage", async () => {
    const { tracer, spans } = tracedRun();
    await tracer.phase("runner.exec", async () => {
      for (const event of TURN) tracer.event(event);
    });
    const chats = spans().filter((span) => span.name === "chat claude-haiku-4-5");
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.attributes["sandcaster.measured_by"]).toBe("runner");
      expect(chat.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
    }
  });

  it("a failed phase and a failed run are marked as errors with their code", async () => {
    const { tracer, spans } = tracedRun();
    const failure = Object.assign(new Error("no sandbox"), { code: "SANDBOX_ERROR" });
    await expect(tracer.phase("sandbox.acquire", () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
    tracer.end({
      status: "error",
      endedAt: new Date(),
      durationSecs: 0,
      filesCount: 0,
      error: { code: "SANDBOX_ERROR", message: "no sandbox" },
    });
    tracer.end({ status: "completed", endedAt: new Date(), durationSecs: 0, filesCount: 0 });
    const byName = new Map(spans().map((span) => [span.name, span]));
    expect(byName.get("sandbox.acquire")?.attributes["error.type"]).toBe("SANDBOX_ERROR");
    expect(byName.get("invoke_agent")?.status.code).toBe(2);
    expect(spans().filter((span) => span.name === "invoke_agent")).toHaveLength(1);
    // Nothing of the prompt without the operator's opt-in.
    expect(JSON.stringify(spans().map((span) => span.attributes))).not.toContain("secret prompt");
  });
});
