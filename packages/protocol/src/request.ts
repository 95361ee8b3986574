// The body of POST /query: wire-compatible with the published Sandcaster protocol, plus our superset.
import * as z from "zod";
import { BranchingRequestSchema } from "./branching.js";
import { BudgetSchema } from "./budget.js";
import {
  ModelProviderSchema,
  SANDBOX_PROVIDERS,
  SandboxProviderSchema,
  ThinkingLevelSchema,
} from "./enums.js";
import { RequestFilesSchema } from "./files.js";
import { NetworkRequestSchema } from "./network.js";
import { OutputFormatSchema } from "./output-format.js";
import { AllowedSkillsSchema, ExtraSkillsSchema } from "./skills.js";
import { AllowedAgentsSchema, SubAgentsSchema } from "./subagents.js";
import { AllowedToolsSchema } from "./tools.js";
import { WebhookRequestSchema } from "./webhook.js";

export const DEFAULT_TIMEOUT_SECS = 300;

const secret = z.string().min(1).max(4096);

export const ApiKeysSchema = z.strictObject({
  anthropic: secret.optional(),
  openai: secret.optional(),
  google: secret.optional(),
  openrouter: secret.optional(),
  e2b: secret.optional(),
});
export type ApiKeys = z.infer<typeof ApiKeysSchema>;

export const CompositeSchema = z.strictObject({
  maxSandboxes: z.int().min(1).max(20).optional(),
  maxTotalSpawns: z.int().min(1).max(100).optional(),
  allowedProviders: z.array(z.enum(SANDBOX_PROVIDERS)).optional(),
});
export type Composite = z.infer<typeof CompositeSchema>;

export const MetadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(1024))
  .refine((m) => Object.keys(m).length <= 50, "at most 50 metadata keys");

/** Unknown fields are rejected (400 naming them): nothing is accepted and silently ignored. */
export const QueryRequestSchema = z.strictObject({
  prompt: z.string().min(1).max(1_000_000),
  apiKeys: ApiKeysSchema.optional(),
  model: z.string().min(1).max(200).optional(),
  maxTurns: z.int().min(1).max(10_000).optional(),
  /** Seconds; when absent sandcaster.json decides, else DEFAULT_TIMEOUT_SECS. */
  timeout: z.int().min(5).max(3600).optional(),
  files: RequestFilesSchema.optional(),
  allowedTools: AllowedToolsSchema.optional(),
  provider: ModelProviderSchema.optional(),
  thinkingLevel: ThinkingLevelSchema.optional(),
  sandboxProvider: SandboxProviderSchema.optional(),
  systemPrompt: z.string().min(1).max(200_000).optional(),
  outputFormat: OutputFormatSchema.optional(),
  composite: CompositeSchema.optional(),
  metadata: MetadataSchema.optional(),
  /** Spending ceiling for this run; may only tighten sandcaster.json `budget`. */
  budget: BudgetSchema.optional(),
  /** Egress of the agent's tools; may only narrow sandcaster.json `network` (wider is a 400). */
  network: NetworkRequestSchema.optional(),
  /**
   * What a dropped connection does: "cancel" (default) stops the run and destroys its sandbox;
   * "continue" lets it finish, to be re-attached with GET /runs/:id/events.
   */
  onDisconnect: z.enum(["cancel", "continue"]).optional(),
  /** POST the run's record here when it ends (signed; see sandcaster.json `webhook`). */
  webhook: WebhookRequestSchema.optional(),
  /** Continue a session (POST /sessions): its workspace and conversation carry over. */
  sessionId: z.string().min(1).max(200).optional(),
  /**
   * A ready template (its id, or a name from sandcaster.json `templates` / POST /templates) the
   * run's sandbox is made from; its base picks the sandbox provider (400 if unknown or not ready).
   */
  template: z.string().min(1).max(128).optional(),
  /** Skills offered to the agent, by name (default: all of skillsDir's and extraSkills'). */
  allowedSkills: AllowedSkillsSchema.optional(),
  /** More skills for this run: `{name: SKILL.md text}`. */
  extraSkills: ExtraSkillsSchema.optional(),
  /** Sub-agents offered to the agent's `task` tool, by name (default: all). */
  allowedAgents: AllowedAgentsSchema.optional(),
  /** More sub-agents for this run, beside (and over) sandcaster.json `agents`. */
  extraAgents: SubAgentsSchema.optional(),
  /** Speculative branching: several full runs at once, the best one's result kept (branching.ts). */
  branching: BranchingRequestSchema.optional(),
});
/** What a client sends. */
export type QueryRequestInput = z.input<typeof QueryRequestSchema>;
/** What the server works with after validation (defaults applied, files normalised). */
export type QueryRequest = z.output<typeof QueryRequestSchema>;
