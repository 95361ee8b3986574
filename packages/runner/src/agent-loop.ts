// The agent loop shared by every provider: call the model, run the tools it asks for, repeat.
import {
  addUsage,
  costOfCall,
  type SandcasterEvent,
  type Usage,
  ZERO_USAGE,
} from "@sandcaster/protocol";
import type { Emit } from "./emit.js";
import type { ModelConversation, ToolResultInput, TurnInput } from "./models/model-conversation.js";
import { abortError, streamWithRetry } from "./stream-with-retry.js";
import { LiveOutput } from "./tools/live-output.js";
import type { ToolContext, ToolDefinition } from "./tools/tool.js";

export interface AgentOptions {
  prompt: string;
  conversation: ModelConversation;
  tools: readonly ToolDefinition[];
  maxTurns: number;
  modelRetries: number;
  emit: Emit;
  signal: AbortSignal;
  /** Builds the context of one tool call (its bash timeout shrinks as the deadline nears). */
  toolContext: () => ToolContext;
}

export interface AgentOutcome {
  subtype: "success" | "error_max_turns";
  /** The final answer: the text of the model's last reply. */
  text: string;
  numTurns: number;
  usage: Usage;
  /** Undefined when the model is missing from the price table. */
  costUsd: number | undefined;
}

interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

async function runTool(call: ToolCall, tools: readonly ToolDefinition[], context: ToolContext) {
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) {
    return { content: `tool "${call.name}" is not available in this run`, isError: true };
  }
  try {
    return await tool.run(call.input, context);
  } catch (error) {
    return { content: `tool "${call.name}" failed: ${String(error)}`, isError: true };
  }
}

/** Runs one call with its live output streamed; all of it is sent before the call returns. */
async function runLive(call: ToolCall, options: AgentOptions) {
  const live = new LiveOutput({ toolName: call.name, toolUseId: call.id, emit: options.emit });
  try {
    return await runTool(call, options.tools, {
      ...options.toolContext(),
      toolUseId: call.id,
      output: (stream, text) => live.write(stream, text),
    });
  } finally {
    live.close();
  }
}

export async function runAgent(options: AgentOptions): Promise<AgentOutcome> {
  const { conversation, emit, signal } = options;
  let input: TurnInput = { kind: "user", text: options.prompt };
  let usage = ZERO_USAGE;
  let costUsd: number | undefined = 0;
  let lastText = "";

  for (let turn = 1; ; turn++) {
    let text = "";
    let thinking = "";
    let cutOff = false;
    const calls: ToolCall[] = [];
    const parts = streamWithRetry(conversation, input, {
      retries: options.modelRetries,
      signal,
      emit,
    });
    for await (const part of parts) {
      if (part.type === "text-delta") {
        text += part.text;
        emit({ type: "assistant", subtype: "delta", content: part.text });
      } else if (part.type === "thinking-delta") {
        thinking += part.text;
        emit({ type: "thinking", subtype: "delta", content: part.text });
      } else if (part.type === "tool-call") {
        calls.push(part);
      } else if (part.type === "finish") {
        cutOff = part.reason === "max_tokens";
      } else if (part.type === "usage") {
        usage = addUsage(usage, part.usage);
        const callCost = costOfCall(conversation.model, part.usage);
        costUsd = costUsd === undefined || callCost === undefined ? undefined : costUsd + callCost;
      }
    }
    if (thinking) emit({ type: "thinking", subtype: "complete", content: thinking });
    if (text) {
      emit({ type: "assistant", subtype: "complete", content: text });
      lastText = text;
    }
    if (cutOff) {
      emit({
        type: "warning",
        code: "MODEL_OUTPUT_TRUNCATED",
        content: "the model's reply hit the output token limit and was cut off",
      });
    }
    if (calls.length === 0) return { subtype: "success", text, numTurns: turn, usage, costUsd };

    const atLimit = turn >= options.maxTurns;
    const results: ToolResultInput[] = [];
    // Calls of parallel-safe tools next to each other run together; any other call runs alone.
    for (const group of parallelGroups(calls, options.tools)) {
      for (const call of group) emit(toolUseEvent(call, options.tools));
      const ordered = orderBySandbox(group, options.tools);
      const outcomes = await Promise.all(
        group.map(async (call, index) => {
          const slot = await ordered[index];
          // A call cut off by the token limit may have half its input: never run it.
          const outcome = await (async () =>
            atLimit
              ? {
                  content: `not run: the run reached maxTurns (${options.maxTurns})`,
                  isError: true,
                }
              : cutOff
                ? {
                    content: "not run: the call was cut off by the output token limit; retry it",
                    isError: true,
                  }
                : await runLive(call, options))().finally(() => slot?.done());
          if (!signal.aborted) {
            emit({
              type: "tool_result",
              toolName: call.name,
              toolUseId: call.id,
              content: outcome.content,
              isError: outcome.isError,
              ...sandboxTag(call, options.tools),
            });
          }
          return outcome;
        }),
      );
      if (signal.aborted) throw abortError(signal);
      group.forEach((call, i) => {
        const outcome = outcomes[i] ?? { content: "not run", isError: true };
        results.push({ id: call.id, name: call.name, ...outcome });
      });
    }
    if (atLimit) {
      return { subtype: "error_max_turns", text: lastText, numTurns: turn, usage, costUsd };
    }
    input = { kind: "tool-results", results };
  }
}

function toolUseEvent(call: ToolCall, tools: readonly ToolDefinition[]): SandcasterEvent {
  return {
    type: "tool_use",
    toolName: call.name,
    toolUseId: call.id,
    content: JSON.stringify(call.input ?? {}),
    ...sandboxTag(call, tools),
  };
}

/** `{sandbox}` for calls of composite tools, so clients can tell which sandbox an event is about. */
function sandboxTag(call: ToolCall, tools: readonly ToolDefinition[]): { sandbox?: string } {
  const sandbox = tools.find((t) => t.name === call.name)?.sandboxOf?.(call.input);
  return sandbox ? { sandbox } : {};
}

/**
 * For each call of a group, what it waits for before it starts: the calls before it that touch
 * one of its sandboxes (spawn then exec on "a" run in order; exec on "a" and on "b" at once).
 * Resolved promises the loop awaits; it settles each by calling the returned `done`.
 */
function orderBySandbox(group: readonly ToolCall[], tools: readonly ToolDefinition[]) {
  const last = new Map<string, Promise<void>>();
  return group.map((call) => {
    const tool = tools.find((t) => t.name === call.name);
    const keys = tool?.touches ? tool.touches(call.input) : ["primary"];
    const before = Promise.all(keys.map((key) => last.get(key)));
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    for (const key of keys) last.set(key, finished);
    return before.then(() => ({ done }));
  });
}

/** Consecutive calls of parallel-safe tools form one group; every other call is a group of one. */
function parallelGroups(calls: readonly ToolCall[], tools: readonly ToolDefinition[]) {
  const groups: ToolCall[][] = [];
  let open: ToolCall[] | undefined;
  for (const call of calls) {
    if (tools.find((t) => t.name === call.name)?.parallel) {
      if (!open) {
        open = [];
        groups.push(open);
      }
      open.push(call);
    } else {
      open = undefined;
      groups.push([call]);
    }
  }
  return groups;
}
