// A run's trace with the OpenTelemetry API, after the GenAI semantic conventions for agents:
// `invoke_agent` for the run, `chat {model}` per model call, `execute_tool {tool}` per tool call,
// and one span per phase. Only the API is used here; the SDK is loaded by start-tracing.ts.
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { RunOutcome } from "../store/run-store.js";
import type {
  ModelCall,
  PhaseAttributes,
  RunPhaseName,
  RunTracer,
  RunTracing,
  ToolCall,
  TracedRun,
} from "./run-tracer.js";
import { RunnerCalls } from "./runner-calls.js";

/** Where a span's figures come from: the host ("gateway") or the sandbox's events ("runner"). */
const MEASURED_BY = "sandcaster.measured_by";
/** The semantic conventions' error.type (a literal: the conventions package is not loaded for it). */
const ERROR_TYPE = "error.type";

function failed(span: Span, errorType: string, message?: string): void {
  span.setAttribute(ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
}

function message(role: "user" | "assistant", text: string): string {
  return JSON.stringify([{ role, parts: [{ type: "text", content: text }] }]);
}

class OtelRunTracer implements RunTracer {
  readonly traceId: string;
  private readonly parent: Context;
  private readonly runner: RunnerCalls;
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    private readonly run: TracedRun,
  ) {
    this.traceId = span.spanContext().traceId;
    this.parent = trace.setSpan(run.parent ?? ROOT_CONTEXT, span);
    this.runner = new RunnerCalls(run.model, {
      modelCall: (call) => this.recordModelCall(call),
      toolCall: (call) => this.recordToolCall(call),
    });
  }

  async phase<T>(
    name: RunPhaseName,
    fn: (set: (attributes: PhaseAttributes) => void) => Promise<T>,
  ): Promise<T> {
    const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL }, this.parent);
    if (name === "runner.exec") this.runner.start();
    try {
      return await fn((attributes) => span.setAttributes(attributes));
    } catch (error) {
      const code = (error as { code?: unknown } | undefined)?.code;
      failed(span, typeof code === "string" ? code : "INTERNAL");
      throw error;
    } finally {
      span.end();
    }
  }

  hostModelCalls(): (call: ModelCall) => void {
    this.runner.modelCallsFromEvents = false;
    return (call) => this.recordModelCall(call);
  }

  event(event: SandcasterEvent): void {
    this.runner.event(event);
    if (event.type === "result" && this.run.recordContent) {
      this.span.setAttribute("gen_ai.output.messages", message("assistant", event.content));
    }
  }

  end(outcome: RunOutcome): void {
    if (this.ended) return;
    this.ended = true;
    const { span } = this;
    const attributes: Attributes = { "sandcaster.run.status": outcome.status };
    if (outcome.numTurns !== undefined) attributes["sandcaster.run.turns"] = outcome.numTurns;
    if (outcome.costUsd !== undefined) attributes["sandcaster.cost_usd"] = outcome.costUsd;
    if (outcome.usage) {
      attributes["gen_ai.usage.input_tokens"] = outcome.usage.inputTokens;
      attributes["gen_ai.usage.output_tokens"] = outcome.usage.outputTokens;
    }
    if (outcome.model) attributes["gen_ai.response.model"] = outcome.model;
    span.setAttributes(attributes);
    if (outcome.error) failed(span, outcome.error.code, outcome.error.message);
    span.end(outcome.endedAt);
  }

  private recordModelCall(call: ModelCall): void {
    const attributes: Attributes = {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": call.provider,
      "gen_ai.request.model": call.model,
      [MEASURED_BY]: call.source,
    };
    // Token counts from the sandbox are the agent's say-so; only the host's are recorded.
    if (call.source === "gateway" && call.usage) {
      attributes["gen_ai.usage.input_tokens"] = call.usage.inputTokens;
      attributes["gen_ai.usage.output_tokens"] = call.usage.outputTokens;
      attributes["gen_ai.usage.cache_read.input_tokens"] = call.usage.cacheReadTokens;
      attributes["gen_ai.usage.cache_creation.input_tokens"] = call.usage.cacheWriteTokens;
    }
    if (call.source === "gateway" && call.costUsd !== undefined) {
      attributes["sandcaster.cost_usd"] = call.costUsd;
    }
    if (this.run.recordContent && call.output !== undefined) {
      attributes["gen_ai.output.messages"] = message("assistant", call.output);
    }
    const span = this.tracer.startSpan(
      `chat ${call.model}`,
      { kind: SpanKind.CLIENT, startTime: call.startedAt, attributes },
      this.parent,
    );
    if (call.status !== "ok") failed(span, call.status);
    span.end(call.endedAt);
  }

  private recordToolCall(call: ToolCall): void {
    const attributes: Attributes = {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": call.tool,
      [MEASURED_BY]: "runner",
    };
    if (call.callId !== undefined) attributes["gen_ai.tool.call.id"] = call.callId;
    if (this.run.recordContent) {
      if (call.input !== undefined) attributes["gen_ai.tool.call.arguments"] = call.input;
      if (call.output !== undefined) attributes["gen_ai.tool.call.result"] = call.output;
    }
    const span = this.tracer.startSpan(
      `execute_tool ${call.tool}`,
      { kind: SpanKind.INTERNAL, startTime: call.startedAt, attributes },
      this.parent,
    );
    if (call.isError) failed(span, "tool_error");
    span.end(call.endedAt);
  }
}

/** Runs traced with `tracer`; each run's span is a child of its caller's context, if any. */
export function otelRunTracing(tracer: Tracer): RunTracing {
  return {
    startRun(run) {
      const attributes: Attributes = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "sandcaster",
        "gen_ai.agent.id": run.runId,
        "sandcaster.run.id": run.runId,
        "sandcaster.sandbox.provider": run.sandboxProvider,
      };
      if (run.model) {
        attributes["gen_ai.provider.name"] = run.model.provider;
        attributes["gen_ai.request.model"] = run.model.model;
      }
      if (run.sessionId) attributes["gen_ai.conversation.id"] = run.sessionId;
      if (run.recordContent) attributes["gen_ai.input.messages"] = message("user", run.prompt);
      const span = tracer.startSpan(
        "invoke_agent",
        { kind: SpanKind.INTERNAL, attributes },
        run.parent ?? ROOT_CONTEXT,
      );
      return new OtelRunTracer(tracer, span, run);
    },
  };
}
