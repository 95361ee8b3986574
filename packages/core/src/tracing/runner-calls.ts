// Tool calls as the runner's events show them, and model calls too for runs whose model calls the
// host does not see (no gateway). Approximate by nature: a model call is the time from the runner's
// start, or from the end of the last tool results, to its first answer or tool call; the sandbox's
// own token counts are never used for these calls.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { ModelCall, ToolCall } from "./run-tracer.js";

/** Epoch milliseconds with the monotonic clock's precision (spans of a few ms stay readable). */
export const epochMs = () => performance.timeOrigin + performance.now();

export interface RunnerCallSink {
  modelCall(call: ModelCall): void;
  toolCall(call: ToolCall): void;
}

interface OpenTool {
  tool: string;
  callId: string | undefined;
  startedAt: number;
  input: string;
}

export class RunnerCalls {
  /** Model calls are derived from the events only while the host does not meter them. */
  modelCallsFromEvents = true;
  /** When the model call now under way began; undefined while tools run. */
  private turnStartedAt: number | undefined;
  private readonly tools: OpenTool[] = [];

  constructor(
    private readonly model: { provider: string; model: string } | undefined,
    private readonly sink: RunnerCallSink,
    private readonly now: () => number = epochMs,
  ) {}

  /** The runner is running: its first model call starts. */
  start(): void {
    this.turnStartedAt = this.now();
  }

  event(event: SandcasterEvent): void {
    if (event.type === "assistant" && event.subtype === "complete") {
      this.endModelCall("ok", event.content);
    } else if (event.type === "tool_use") {
      this.endModelCall("ok", undefined);
      this.tools.push({
        tool: event.toolName,
        callId: event.toolUseId,
        startedAt: this.now(),
        input: event.content,
      });
    } else if (event.type === "tool_result") {
      this.endTool(event.toolName, event.toolUseId, event.isError, event.content);
    } else if (event.type === "result") {
      this.endModelCall("ok", undefined);
    } else if (event.type === "error") {
      this.endModelCall(event.code ?? "error", undefined);
    }
  }

  private endModelCall(status: string, output: string | undefined): void {
    const startedAt = this.turnStartedAt;
    if (startedAt === undefined || !this.model || !this.modelCallsFromEvents) return;
    this.turnStartedAt = undefined;
    this.sink.modelCall({
      ...this.model,
      startedAt,
      endedAt: this.now(),
      source: "runner",
      status,
      output,
    });
  }

  private endTool(tool: string, callId: string | undefined, isError: boolean, output: string) {
    const index = this.tools.findIndex((open) =>
      callId === undefined ? open.tool === tool : open.callId === callId,
    );
    if (index < 0) return;
    const [open] = this.tools.splice(index, 1);
    if (!open) return;
    this.sink.toolCall({
      tool: open.tool,
      callId: open.callId,
      startedAt: open.startedAt,
      endedAt: this.now(),
      isError,
      input: open.input,
      output,
    });
    // The model is asked again once every tool of its last answer has returned.
    if (this.tools.length === 0) this.turnStartedAt = this.now();
  }
}
