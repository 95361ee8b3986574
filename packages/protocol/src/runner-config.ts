// The JSON file the server hands the in-sandbox runner. It never holds a provider key: with a
// gateway it holds the run's capability token; without one the key travels as an env var.
import * as z from "zod";
import { RunnerBranchingSchema } from "./branching.js";
import { RunnerCompositeSchema } from "./composite.js";
import { ModelProviderSchema, ThinkingLevelSchema } from "./enums.js";
import { RunnerGatewaySchema } from "./gateway.js";
import { OutputFormatSchema } from "./output-format.js";
import { HistoryTurnSchema } from "./session.js";
import { RunnerSkillsSchema } from "./skills.js";
import { RunnerSubAgentsSchema } from "./subagents.js";
import { AllowedToolsSchema } from "./tools.js";

export const DEFAULT_MAX_TURNS = 50;

export const RunnerLimitsSchema = z.strictObject({
  /** Characters of tool output given back to the model; the rest is cut with a note. */
  toolOutputChars: z.int().min(1000).max(1_000_000).default(30_000),
  /** Upper bound for one bash call, also capped by what is left of the run timeout. */
  bashTimeoutSecs: z.int().min(1).max(3600).default(120),
  /** Output tokens per model call. */
  maxOutputTokens: z.int().min(256).max(200_000).default(16_384),
  /** Retries of a model call that failed before streaming anything (429, 5xx, connection). */
  modelRetries: z.int().min(0).max(10).default(3),
});

export const RunnerConfigSchema = z.strictObject({
  prompt: z.string().min(1).max(1_000_000),
  provider: ModelProviderSchema.optional(),
  model: z.string().min(1).max(200).optional(),
  maxTurns: z.int().min(1).max(10_000).default(DEFAULT_MAX_TURNS),
  timeoutSecs: z.int().min(1).max(3600).default(300),
  systemPrompt: z.string().min(1).optional(),
  allowedTools: AllowedToolsSchema.optional(),
  thinkingLevel: ThinkingLevelSchema.optional(),
  outputFormat: OutputFormatSchema.optional(),
  /** The working directory every tool is confined to. */
  cwd: z.string().min(1),
  limits: RunnerLimitsSchema.prefault({}),
  /** A session's earlier turns, oldest first: the conversation continues from them. */
  history: z.array(HistoryTurnSchema).max(1000).optional(),
  /** Present when the request asked for a composite workflow: the runner offers its tools. */
  composite: RunnerCompositeSchema.optional(),
  /** The host's model gateway: every model call goes there with the token; no key in the sandbox. */
  gateway: RunnerGatewaySchema.optional(),
  /** Skills uploaded into the sandbox: listed in the system prompt, read with `read_skill`. */
  skills: RunnerSkillsSchema.optional(),
  /** Sub-agents the `task` tool runs. */
  agents: RunnerSubAgentsSchema.optional(),
  /** Present when the agent itself may start branching: the runner offers the trigger's tool. */
  branching: RunnerBranchingSchema.optional(),
});
export type RunnerConfigInput = z.input<typeof RunnerConfigSchema>;
export type RunnerConfig = z.output<typeof RunnerConfigSchema>;
