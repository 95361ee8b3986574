// Sub-agents: named agents the run's agent delegates to through the runner's `task` tool. Each runs
// to completion in the same sandbox with its own system prompt, tools, model and turn limit.
import * as z from "zod";
import { ModelProviderSchema } from "./enums.js";
import { namedRecord, SkillNameSchema } from "./skills.js";
import { AllowedToolsSchema } from "./tools.js";

/** The tool through which the agent runs a sub-agent. */
export const TASK_TOOL = "task";

/** Default turn limit of one sub-agent call (its own; the run's timeout still bounds it). */
export const DEFAULT_SUBAGENT_MAX_TURNS = 20;

/**
 * sandcaster.json `agents.<name>` and request `extraAgents.<name>`. `prompt` and `tools` are the
 * published protocol's (Claude Agent SDK) spellings of `systemPrompt` and `allowedTools`.
 */
export const SubAgentSchema = z
  .strictObject({
    description: z.string().min(1).max(1024),
    systemPrompt: z.string().min(1).max(200_000).optional(),
    prompt: z.string().min(1).max(200_000).optional(),
    /**
     * Its model: an alias of the run's provider ("haiku") or any model name whose family says its
     * provider ("gpt-5" on an Anthropic run: its calls go to OpenAI through the same gateway, with
     * the server's or the request's OpenAI key, and count toward the run); default the run's model.
     */
    model: z.string().min(1).max(200).optional(),
    /** Built-in tools it may use, within the run's own allowedTools; default the run's tools. */
    allowedTools: AllowedToolsSchema.optional(),
    tools: AllowedToolsSchema.optional(),
    maxTurns: z.int().min(1).max(1000).optional(),
  })
  .refine((a) => !(a.systemPrompt && a.prompt), {
    message: "give systemPrompt or prompt, not both",
    path: ["prompt"],
  })
  .refine((a) => a.systemPrompt ?? a.prompt, {
    message: "a sub-agent needs a systemPrompt",
    path: ["systemPrompt"],
  })
  .refine((a) => !(a.allowedTools && a.tools), {
    message: "give allowedTools or tools, not both",
    path: ["tools"],
  });
export type SubAgent = z.output<typeof SubAgentSchema>;

export const SubAgentsSchema = namedRecord(SubAgentSchema, 50, "agents");

/** Request `allowedAgents`: only these agents (by name) are offered; an unknown name is a 400. */
export const AllowedAgentsSchema = z.array(SkillNameSchema).max(100);

/** One sub-agent as the runner gets it: resolved, nothing optional left to guess. */
export const RunnerSubAgentSchema = z.strictObject({
  description: z.string().min(1),
  systemPrompt: z.string().min(1),
  model: z.string().min(1).max(200),
  /** The provider its model is called at; absent: the run's. */
  provider: ModelProviderSchema.optional(),
  /** Built-in tool names (already canonical and within the run's). */
  allowedTools: z.array(z.string().min(1)).max(50),
  maxTurns: z.int().min(1).max(1000),
});
export const RunnerSubAgentsSchema = z.record(SkillNameSchema, RunnerSubAgentSchema);
export type RunnerSubAgent = z.output<typeof RunnerSubAgentSchema>;

/** The `agent` tag on events a sub-agent produced (absent on the run's own agent's events). */
export const AgentTagSchema = z
  .string()
  .min(1)
  .max(64)
  .describe("The sub-agent that produced this event (absent for the run's own agent).")
  .optional();

/** True for an event a sub-agent produced: not part of the run's own conversation. */
export function isSubAgentEvent(event: object): boolean {
  return "agent" in event && typeof event.agent === "string";
}
