// Speculative branching: one run fans out into several full runs (each in its own sandbox), an
// evaluator picks the winner, and the winner's answer and files become the run's result. The
// request field and the branch events keep the published Sandcaster wire shapes; our extras are
// optional fields old clients ignore.
import * as z from "zod";
import { ModelProviderSchema, SandboxProviderSchema } from "./enums.js";

/** Branches of one run at most, whatever asks for them (the request, or the agent's `branch` tool). */
export const MAX_BRANCHES = 5;

/** One branch's own model and sandbox; what it leaves out comes from the request. */
export const BranchOverrideSchema = z.strictObject({
  provider: ModelProviderSchema.optional(),
  model: z.string().min(1).max(200).optional(),
  sandboxProvider: SandboxProviderSchema.optional(),
});
export type BranchOverride = z.infer<typeof BranchOverrideSchema>;

/**
 * How the winner is picked. `llm-judge`: a model call made by the server (metered into the run's
 * cost) reads every branch's answer and names the best. `schema`: the branches whose answer
 * validates against the request's `outputFormat` (checked by the server, not trusted from the
 * sandbox); among several, the cheapest. `custom`: a judge like `llm-judge` whose criteria are the
 * caller's `prompt` (required) instead of the built-in ones.
 */
export const BranchEvaluatorSchema = z.strictObject({
  type: z.enum(["llm-judge", "schema", "custom"]),
  prompt: z.string().min(1).max(20_000).optional(),
  /** The judge's model (its provider is told by the name); default: the run's model. */
  model: z.string().min(1).max(200).optional(),
});
export type BranchEvaluator = z.infer<typeof BranchEvaluatorSchema>;

export const BRANCH_TRIGGERS = ["always", "explicit", "confidence"] as const;
export type BranchTrigger = (typeof BRANCH_TRIGGERS)[number];

/** The runner tools of the `explicit` and `confidence` triggers. */
export type BranchToolName = "branch" | "report_confidence";

/**
 * The request's `branching`. `always` fans out at the start (`count` copies of the prompt, or one
 * per entry of `branches`); `explicit` gives the agent a `branch` tool whose alternatives become
 * the branches; `confidence` gives it `report_confidence`, and a level under
 * `confidenceThreshold` fans out. Without `trigger`: `always`.
 */
export const BranchingRequestSchema = z.strictObject({
  /** False turns branching off (the run is an ordinary one). */
  enabled: z.boolean().optional(),
  count: z.int().min(1).max(MAX_BRANCHES).optional(),
  /** A cap on the alternatives the agent's `branch` tool may ask for (never above MAX_BRANCHES). */
  maxBranches: z.int().min(1).max(10).optional(),
  trigger: z.enum(BRANCH_TRIGGERS).optional(),
  confidenceThreshold: z.number().min(0).max(1).optional(),
  /** Pause between starting one branch and the next (spreads sandbox creation). */
  staggerDelayMs: z.int().min(0).max(10_000).optional(),
  evaluator: BranchEvaluatorSchema.optional(),
  branches: z.array(BranchOverrideSchema).min(1).max(MAX_BRANCHES).optional(),
});
export type BranchingRequest = z.infer<typeof BranchingRequestSchema>;

/** What the runner is told when the agent itself may start branching. */
export const RunnerBranchingSchema = z.strictObject({
  trigger: z.enum(["explicit", "confidence"]),
  maxBranches: z.int().min(1).max(MAX_BRANCHES),
  confidenceThreshold: z.number().min(0).max(1),
});
export type RunnerBranching = z.infer<typeof RunnerBranchingSchema>;

/** The agent's `branch` tool asked to try these alternatives (the first run stops there). */
export const BranchRequestEventSchema = z.object({
  type: z.literal("branch_request"),
  /** One readable line about it (every event has one). */
  content: z.string(),
  alternatives: z.array(z.string().min(1).max(100_000)).min(1).max(10),
  reason: z.string().max(10_000).optional(),
  branchId: z.string().optional(),
});

/** The agent's `report_confidence` tool: its confidence in its current approach. */
export const ConfidenceReportEventSchema = z.object({
  type: z.literal("confidence_report"),
  /** One readable line about it (every event has one). */
  content: z.string(),
  level: z.number().min(0).max(1),
  reason: z.string().max(10_000),
  branchId: z.string().optional(),
});

export const BranchStartEventSchema = z.object({
  type: z.literal("branch_start"),
  /** One readable line about it (every event has one). */
  content: z.string(),
  branchId: z.string(),
  branchIndex: z.int().nonnegative(),
  totalBranches: z.int().positive(),
  prompt: z.string(),
  /** The branch's own run (GET /runs/:id). */
  runId: z.string().optional(),
  model: z.string().optional(),
  provider: z.string().optional(),
  sandboxProvider: z.string().optional(),
});

export const BranchProgressEventSchema = z.object({
  type: z.literal("branch_progress"),
  /** One readable line about it (every event has one). */
  content: z.string(),
  branchId: z.string(),
  branchIndex: z.int().nonnegative(),
  status: z.enum(["running", "completed", "error"]),
  numTurns: z.int().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
});

export const BranchCompleteEventSchema = z.object({
  type: z.literal("branch_complete"),
  /** The branch's answer, or its error's text ("" when it had none). */
  content: z.string(),
  branchId: z.string(),
  status: z.enum(["success", "error"]),
  costUsd: z.number().nonnegative().optional(),
  numTurns: z.int().nonnegative().optional(),
  /** Its position among the run's branches (0-based). */
  branchIndex: z.int().nonnegative().optional(),
  /** The error code of a failed branch. */
  code: z.string().optional(),
});

export const BranchSelectedEventSchema = z.object({
  type: z.literal("branch_selected"),
  /** One readable line about it (every event has one). */
  content: z.string(),
  branchId: z.string(),
  branchIndex: z.int().nonnegative(),
  reason: z.string(),
  /** Each branch's score by branchId, 0 to 1. */
  scores: z.record(z.string(), z.number()).optional(),
});

export const BranchSummaryEventSchema = z.object({
  type: z.literal("branch_summary"),
  /** One readable line about it (every event has one). */
  content: z.string(),
  totalBranches: z.int().nonnegative(),
  successCount: z.int().nonnegative(),
  /** Every branch's cost plus the judge's. */
  totalCostUsd: z.number().nonnegative(),
  evaluator: z.string(),
  winnerId: z.string().optional(),
  /** The judge's own model call, when there was one. */
  judgeCostUsd: z.number().nonnegative().optional(),
});
