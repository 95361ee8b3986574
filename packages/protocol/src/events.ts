// Events of a run: SSE `event:` is `type`, `data:` is the whole object. Old clients ignore our extra fields.
import * as z from "zod";
import {
  BranchCompleteEventSchema,
  BranchProgressEventSchema,
  BranchRequestEventSchema,
  BranchSelectedEventSchema,
  BranchStartEventSchema,
  BranchSummaryEventSchema,
  ConfidenceReportEventSchema,
} from "./branching.js";
import { FileEncodingSchema } from "./files.js";
import { StdoutEventSchema, StepEndEventSchema, StepStartEventSchema } from "./pipeline.js";
import { AgentTagSchema } from "./subagents.js";
import { UsageSchema } from "./usage.js";

/** Set on the events of one branch of a branching run (see branching.ts). */
const branchTag = {
  branchId: z
    .string()
    .describe("The branch of a branching run that produced this event (absent otherwise).")
    .optional(),
};

export const SystemEventSchema = z.object({
  ...branchTag,
  type: z.literal("system"),
  /** The sub-agent that produced it (see subagents.ts). */
  agent: AgentTagSchema,
  subtype: z.string().optional(),
  content: z.string(),
  /** Set on the first event of a run (subtype `init`). */
  runId: z.string().optional(),
  model: z.string().optional(),
  provider: z.string().optional(),
  sandboxProvider: z.string().optional(),
});

export const AssistantEventSchema = z.object({
  ...branchTag,
  type: z.literal("assistant"),
  /** The sub-agent that produced it (see subagents.ts). */
  agent: AgentTagSchema,
  subtype: z.enum(["delta", "complete"]).optional(),
  content: z.string(),
});

export const ThinkingEventSchema = z.object({
  ...branchTag,
  type: z.literal("thinking"),
  /** The sub-agent that produced it (see subagents.ts). */
  agent: AgentTagSchema,
  subtype: z.enum(["delta", "complete"]).optional(),
  content: z.string(),
});

export const ToolUseEventSchema = z.object({
  ...branchTag,
  type: z.literal("tool_use"),
  /** The sub-agent that produced it (see subagents.ts). */
  agent: AgentTagSchema,
  toolName: z.string(),
  /** JSON text of the tool input. */
  content: z.string(),
  toolUseId: z.string().optional(),
  sandbox: z.string().optional(),
});

export const ToolResultEventSchema = z.object({
  ...branchTag,
  type: z.literal("tool_result"),
  /** The sub-agent that produced it (see subagents.ts). */
  agent: AgentTagSchema,
  toolName: z.string(),
  content: z.string(),
  isError: z.boolean().default(false),
  toolUseId: z.string().optional(),
  sandbox: z.string().optional(),
});

/**
 * Live output of a running tool call (the runner's bash, the host's exec_in), sent before its
 * tool_result: coalesced, and cut per call with one TOOL_OUTPUT_CUT warning.
 */
export const ToolOutputEventSchema = z.object({
  ...branchTag,
  type: z.literal("tool_output"),
  /** The sub-agent that produced it (see subagents.ts). */
  agent: AgentTagSchema,
  toolName: z.string(),
  toolUseId: z.string().optional(),
  sandbox: z.string().optional(),
  stream: z.enum(["stdout", "stderr"]),
  content: z.string(),
});

export const FileEventSchema = z.object({
  ...branchTag,
  type: z.literal("file"),
  path: z.string(),
  content: z.string(),
  encoding: FileEncodingSchema.optional(),
});

export const ResultEventSchema = z.object({
  ...branchTag,
  type: z.literal("result"),
  subtype: z.string().optional(),
  /** The agent's final answer text. */
  content: z.string(),
  costUsd: z.number().nonnegative().optional(),
  numTurns: z.number().int().nonnegative().optional(),
  durationSecs: z.number().nonnegative().optional(),
  model: z.string().optional(),
  usage: UsageSchema.optional(),
  /** The parsed final answer when the request asked for an `outputFormat`. */
  structuredOutput: z.unknown().optional(),
  /** A pipeline's exit code: its first stopping step's, else 0 (content is the result markdown). */
  exitCode: z.int().optional(),
});

export const StderrEventSchema = z.object({
  ...branchTag,
  type: z.literal("stderr"),
  content: z.string(),
  /** The pipeline step that wrote it. */
  index: z.int().nonnegative().optional(),
});

export const WarningEventSchema = z.object({
  ...branchTag,
  type: z.literal("warning"),
  /** The sub-agent that produced it (see subagents.ts). */
  agent: AgentTagSchema,
  content: z.string(),
  code: z.string().optional(),
});

export const ErrorEventSchema = z.object({
  ...branchTag,
  type: z.literal("error"),
  content: z.string(),
  code: z.string().optional(),
  hint: z.string().optional(),
  /**
   * AGENT_FAILED: the agent's exit code, or null when a signal killed it. Absent for other codes
   * and from servers older than this field (their message says "exited with code N").
   */
  exitCode: z.number().int().nullable().optional(),
});

export const SandcasterEventSchema = z.discriminatedUnion("type", [
  SystemEventSchema,
  AssistantEventSchema,
  ThinkingEventSchema,
  ToolUseEventSchema,
  ToolResultEventSchema,
  ToolOutputEventSchema,
  FileEventSchema,
  ResultEventSchema,
  StderrEventSchema,
  WarningEventSchema,
  ErrorEventSchema,
  StepStartEventSchema,
  StdoutEventSchema,
  StepEndEventSchema,
  BranchRequestEventSchema,
  ConfidenceReportEventSchema,
  BranchStartEventSchema,
  BranchProgressEventSchema,
  BranchCompleteEventSchema,
  BranchSelectedEventSchema,
  BranchSummaryEventSchema,
]);

export type SandcasterEvent = z.infer<typeof SandcasterEventSchema>;
export type SandcasterEventType = SandcasterEvent["type"];
export type EventOf<T extends SandcasterEventType> = Extract<SandcasterEvent, { type: T }>;

/** A streamed piece of assistant text or thinking (its `complete` event carries the whole). */
export function isDeltaEvent(event: SandcasterEvent): boolean {
  return (event.type === "assistant" || event.type === "thinking") && event.subtype === "delta";
}
export type SystemEvent = EventOf<"system">;
export type AssistantEvent = EventOf<"assistant">;
export type ThinkingEvent = EventOf<"thinking">;
export type ToolUseEvent = EventOf<"tool_use">;
export type ToolResultEvent = EventOf<"tool_result">;
export type ToolOutputEvent = EventOf<"tool_output">;
export type FileEvent = EventOf<"file">;
export type ResultEvent = EventOf<"result">;
export type StderrEvent = EventOf<"stderr">;
export type WarningEvent = EventOf<"warning">;
export type ErrorEvent = EventOf<"error">;
