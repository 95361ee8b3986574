// Markdown pipelines: a document whose fenced `bash` blocks run in order in one sandbox, with each
// step's result written back under its block. The request body, the front matter, the step events.
import * as z from "zod";
import { SandboxProviderSchema } from "./enums.js";
import { RequestFilesSchema } from "./files.js";
import { MetadataSchema } from "./request.js";

/** The longest document accepted (characters). */
export const MAX_PIPELINE_CHARS = 1_000_000;

/** A step's own timeout or the front matter's default (seconds). */
export const StepTimeoutSchema = z.int().min(1).max(3600);

/**
 * The YAML front matter. Unknown keys are refused (400 naming `frontMatter.<key>`), so a typo never
 * runs with a setting silently dropped.
 */
export const PipelineFrontMatterSchema = z.strictObject({
  /** Where the steps run; the request's `sandboxProvider` wins. */
  sandboxProvider: SandboxProviderSchema.optional(),
  /** Every step's timeout in seconds unless its info string says `timeout=N`. */
  timeout: StepTimeoutSchema.optional(),
  /** Non-secret environment of every step (it is recorded with the run like the document). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(32_768)).optional(),
  /** A session (POST /sessions) whose workspace the steps run in; the request's `session` wins. */
  session: z.string().min(1).max(200).optional(),
});
export type PipelineFrontMatter = z.infer<typeof PipelineFrontMatterSchema>;

/** The JSON body of POST /pipelines (a `text/markdown` body is `{ markdown }`). */
export const PipelineRequestSchema = z.strictObject({
  markdown: z.string().min(1).max(MAX_PIPELINE_CHARS),
  files: RequestFilesSchema.optional(),
  session: z.string().min(1).max(200).optional(),
  sandboxProvider: SandboxProviderSchema.optional(),
  /** The whole pipeline's limit in seconds (default: sandcaster.json's `timeout`). */
  timeout: z.int().min(5).max(3600).optional(),
  metadata: MetadataSchema.optional(),
  /** As for /query: "cancel" (default) stops the pipeline when the client goes away. */
  onDisconnect: z.enum(["cancel", "continue"]).optional(),
});
export type PipelineRequestInput = z.input<typeof PipelineRequestSchema>;
export type PipelineRequest = z.output<typeof PipelineRequestSchema>;

/** A step begins: `index` counts the document's bash blocks from 0, `command` is the block's text. */
export const StepStartEventSchema = z.object({
  type: z.literal("step_start"),
  /** One line for people ("step 1: npm ci"); every event has a `content`. */
  content: z.string(),
  index: z.int().nonnegative(),
  command: z.string(),
});

/** Live standard output of the running step (stderr travels as `stderr` events with `index`). */
export const StdoutEventSchema = z.object({
  type: z.literal("stdout"),
  content: z.string(),
  index: z.int().nonnegative().optional(),
});

export const StepEndEventSchema = z.object({
  type: z.literal("step_end"),
  /** One line for people ("step 1: exit 0 in 0.4s"). */
  content: z.string(),
  index: z.int().nonnegative(),
  /** Null when the step was killed (its timeout, or a signal). */
  exitCode: z.int().nullable(),
  durationSecs: z.number().nonnegative(),
  /** Set when the step's own timeout killed it. */
  timedOut: z.boolean().optional(),
});

export type StepStartEvent = z.infer<typeof StepStartEventSchema>;
export type StdoutEvent = z.infer<typeof StdoutEventSchema>;
export type StepEndEvent = z.infer<typeof StepEndEventSchema>;
