// A run as /runs reports it. Never holds API keys or environment values.
import * as z from "zod";
import { RunStatusSchema } from "./enums.js";
import { UsageSchema } from "./usage.js";

export const PROMPT_PREVIEW_CHARS = 200;

export const RunRecordSchema = z.object({
  id: z.string(),
  /**
   * Upstream clients type this `running | completed | error`. Ours adds `queued` (waiting for a
   * run slot: treat as running) and `cancelled` (stopped by a client, `errorCode` CANCELLED: treat
   * as error). Both arrive as they are; `error`/`errorCode` are set for `error` and `cancelled`.
   */
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
  /**
   * Why the run failed or stopped, for people: a string, as clients of the upstream project read
   * it. Code branches on `errorCode` beside it.
   */
  error: z.string().optional(),
  /** One of ERROR_CODES (TIMEOUT, CANCELLED, MODEL_AUTH_FAILED, …) whenever `error` is set. */
  errorCode: z.string().optional(),
  /** AGENT_FAILED: the code the agent exited with (absent when a signal killed it). */
  exitCode: z.number().int().optional(),
  filesCount: z.number().int().nonnegative(),
  metadata: z.record(z.string(), z.string()).optional(),
  /** The session this run was a turn of. */
  sessionId: z.string().optional(),
  /** The run's OpenTelemetry trace id (32 hex digits) when traces are on. */
  traceId: z.string().optional(),
  /** The provider's id of the run's sandbox, once it was ready. */
  sandboxId: z.string().optional(),
  /**
   * A branching run that completed: how many branches ran, which one won (absent when none did)
   * and the evaluator that chose (the run's `branch_summary`; upstream's names).
   */
  branchCount: z.number().int().nonnegative().optional(),
  branchWinnerId: z.string().optional(),
  evaluatorType: z.string().optional(),
  /** What ran: absent for /query, "pipeline" for POST /pipelines, "agent" for a custom agent's invoke. */
  kind: z.enum(["pipeline", "agent"]).optional(),
});

/** What `GET /runs?kind=` filters on: `query` is a run without a kind (POST /query, sessions). */
export const RUN_KINDS = ["query", "pipeline", "agent"] as const;
export const RunKindSchema = z.enum(RUN_KINDS);
export type RunKind = z.infer<typeof RunKindSchema>;
export type RunRecord = z.infer<typeof RunRecordSchema>;

export function promptPreview(prompt: string): string {
  return prompt.length <= PROMPT_PREVIEW_CHARS
    ? prompt
    : `${prompt.slice(0, PROMPT_PREVIEW_CHARS - 1)}…`;
}
