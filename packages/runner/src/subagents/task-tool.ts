// The task tool: runs a named sub-agent to completion in this sandbox (its own system prompt,
// tools, model and turn limit) and hands its final answer back as the tool result.
import {
  addUsage,
  type RunnerSubAgent,
  roundUsd,
  type SandcasterEvent,
  TASK_TOOL,
  type Usage,
  ZERO_USAGE,
} from "@sandcaster/protocol";
import * as z from "zod";
import { runAgent } from "../agent-loop.js";
import type { Emit } from "../emit.js";
import type { ModelConversation } from "../models/model-conversation.js";
import { defineTool, fail, ok } from "../tools/define.js";
import type { ToolContext, ToolDefinition } from "../tools/tool.js";

/** What every sub-agent call used, added to the run's own figures in its `result`. */
export class SubAgentUsage {
  usage: Usage = ZERO_USAGE;
  /** Undefined once a call went to a model without a known price. */
  costUsd: number | undefined = 0;

  add(usage: Usage, costUsd: number | undefined): void {
    this.usage = addUsage(this.usage, usage);
    this.costUsd =
      this.costUsd === undefined || costUsd === undefined ? undefined : this.costUsd + costUsd;
  }
}

export interface TaskToolOptions {
  agents: Readonly<Record<string, RunnerSubAgent>>;
  /** A fresh conversation for one sub-agent call, with the tools it may use. */
  start(
    name: string,
    agent: RunnerSubAgent,
  ): Promise<{ conversation: ModelConversation; tools: ToolDefinition[] }>;
  emit: Emit;
  modelRetries: number;
  toolContext(): ToolContext;
  usage: SubAgentUsage;
}

export function taskTool(options: TaskToolOptions): ToolDefinition {
  const names = Object.keys(options.agents);
  const list = names.map((name) => `- ${name}: ${options.agents[name]?.description}`).join("\n");
  const schema = z.strictObject({
    agent: z
      .string()
      .min(1)
      .describe(`The sub-agent to run: one of ${names.join(", ")}.`),
    prompt: z
      .string()
      .min(1)
      .describe("The whole task: the sub-agent sees nothing of this conversation but this."),
  });
  return defineTool({
    name: TASK_TOOL,
    description: `Hand a task to a sub-agent, which works in the same workspace until done and returns its answer. Sub-agents:\n${list}`,
    schema,
    async run(input, context) {
      const agent = options.agents[input.agent];
      if (!agent)
        return fail(`no sub-agent named "${input.agent}"; sub-agents: ${names.join(", ")}`);
      // Every event of the sub-agent carries its name, so clients can tell the two apart.
      // (The loop only emits event types whose schema has `agent`.)
      const emit: Emit = (event) =>
        options.emit({ ...event, agent: input.agent } as SandcasterEvent);
      const { conversation, tools } = await options.start(input.agent, agent);
      emit({
        type: "system",
        subtype: "subagent_start",
        content: `sub-agent ${input.agent} started: ${conversation.model} via ${conversation.provider}`,
        model: conversation.model,
        provider: conversation.provider,
      });
      const outcome = await runAgent({
        prompt: input.prompt,
        conversation,
        tools,
        maxTurns: agent.maxTurns,
        modelRetries: options.modelRetries,
        emit,
        signal: context.signal,
        toolContext: options.toolContext,
      }).catch((error: unknown) => error as Error);
      if (outcome instanceof Error) {
        if (context.signal.aborted) throw outcome;
        return fail(`sub-agent ${input.agent} failed: ${outcome.message}`);
      }
      options.usage.add(outcome.usage, outcome.costUsd);
      const cost = outcome.costUsd === undefined ? "" : `, $${roundUsd(outcome.costUsd)}`;
      emit({
        type: "system",
        subtype: "subagent_end",
        content: `sub-agent ${input.agent} ended (${outcome.subtype}) after ${outcome.numTurns} turns: ${outcome.usage.inputTokens} input and ${outcome.usage.outputTokens} output tokens${cost}`,
      });
      if (outcome.subtype === "error_max_turns") {
        return fail(
          `sub-agent ${input.agent} reached its turn limit (${agent.maxTurns}) before answering; its last text: ${outcome.text}`,
        );
      }
      return ok(outcome.text || "(the sub-agent gave no answer text)");
    },
  });
}
