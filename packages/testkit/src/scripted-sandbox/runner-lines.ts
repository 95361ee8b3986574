// Scripts for the scripted sandbox: the stdout of a runner, as protocol events (JSONL), with delays.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { ScriptedLine } from "./scripted-sandbox.js";

export const SCRIPTED_MODEL = "claude-sonnet-4-5";
const USAGE = { inputTokens: 1200, outputTokens: 180, cacheReadTokens: 0, cacheWriteTokens: 0 };

export function runnerLine(event: SandcasterEvent, delayMs = 0): ScriptedLine {
  return { delayMs, line: JSON.stringify(event) };
}

const agentStart = (model: string): SandcasterEvent => ({
  type: "system",
  subtype: "agent_start",
  content: `agent started: ${model} via anthropic`,
  model,
  provider: "anthropic",
});

const result = (content: string, numTurns: number, model: string): SandcasterEvent => ({
  type: "result",
  subtype: "success",
  content,
  numTurns,
  durationSecs: 0,
  model,
  usage: USAGE,
  costUsd: 0.0063,
});

export interface TypicalRunOptions {
  /** Assistant text deltas. Default 14. */
  deltas?: number;
  /** tool_use + tool_result pairs, in the middle of the text. Default 1. */
  toolCalls?: number;
  /** Spread evenly over every line. Default 3000. */
  durationMs?: number;
  model?: string;
}

/**
 * agent_start, text deltas with tool calls in between, the complete text, the result:
 * 3 + deltas + 2 × toolCalls lines (19 by default; the server adds init and sandbox_ready).
 */
export function typicalRunLines(options: TypicalRunOptions = {}): ScriptedLine[] {
  const deltas = options.deltas ?? 14;
  const toolCalls = options.toolCalls ?? 1;
  const model = options.model ?? SCRIPTED_MODEL;
  const events: SandcasterEvent[] = [agentStart(model)];
  const pieces = Array.from({ length: deltas }, (_, i) => `word${i} `);
  const toolAt = Math.floor(deltas / 2);
  pieces.forEach((piece, i) => {
    if (i === toolAt) {
      for (let t = 0; t < toolCalls; t++) {
        const toolUseId = `toolu_scripted_${t}`;
        const input = { command: `echo step ${t}` };
        events.push({
          type: "tool_use",
          toolName: "bash",
          content: JSON.stringify(input),
          toolUseId,
        });
        events.push({
          type: "tool_result",
          toolName: "bash",
          content: `step ${t}\n`,
          isError: false,
          toolUseId,
        });
      }
    }
    events.push({ type: "assistant", subtype: "delta", content: piece });
  });
  const text = pieces.join("");
  events.push({ type: "assistant", subtype: "complete", content: text });
  events.push(result(text, toolCalls + 1, model));
  const step = Math.round((options.durationMs ?? 3000) / events.length);
  return events.map((event, i) => runnerLine(event, i === 0 ? 0 : step));
}

/** agent_start, `count` one-token deltas without any delay, the result: a runner at full speed. */
export function* floodRunLines(count: number, model = SCRIPTED_MODEL): Generator<ScriptedLine> {
  yield runnerLine(agentStart(model));
  for (let i = 0; i < count; i++) {
    yield { delayMs: 0, line: `{"type":"assistant","subtype":"delta","content":"t${i % 10} "}` };
  }
  yield runnerLine(result(`${count} deltas`, 1, model));
}

/** agent_start at once, the result after `holdMs`: an open, idle stream (e.g. a long tool call). */
export function heldRunLines(holdMs: number, model = SCRIPTED_MODEL): ScriptedLine[] {
  return [runnerLine(agentStart(model)), runnerLine(result("held", 1, model), holdMs)];
}
