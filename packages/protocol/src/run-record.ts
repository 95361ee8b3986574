// A run as /runs reports it. Never holds API keys or environment values.
import { z } from "zod";
import { RunStatusSchema } from "./enums.js";
import { UsageSchema } from "./usage.js";

export const PROMPT_PREVIEW_CHARS = 200;

export const RunRecordSchema = z.object({
  id: z.string(),
  status: RunStatusSchema,
  /** The first PROMPT_PREVIEW_CHARS characters of the prompt. */
  prompt: z.string(),
  model: z.string().optional(),
  provider: z.string().optional(),
  sandboxProvider: z.string().optional(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().optional(),
  durationSecs: z.number().nonnegative().optional(),
  numTurns: z.number().int().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
  usage: UsageSchema.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  filesCount: z.number().int().nonnegative(),
  metadata: z.record(z.string(), z.string()).optional(),
  /** The session this run was a turn of. */
  sessionId: z.string().optional(),
  /** The run's OpenTelemetry trace id (32 hex digits) when traces are on. */
  traceId: z.string().optional(),
  /** The provider's id of the run's sandbox, once it was ready. */
  sandboxId: z.string().optional(),
  /** What ran: absent for an agent run (/query), "pipeline" for POST /pipelines. */
  kind: z.enum(["pipeline"]).optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

export function promptPreview(prompt: string): string {
  return prompt.length <= PROMPT_PREVIEW_CHARS
    ? prompt
    : `${prompt.slice(0, PROMPT_PREVIEW_CHARS - 1)}…`;
}
