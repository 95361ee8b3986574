// Sessions: conversations whose workspace and history persist across queries. Each turn is still
// a fresh process in a fresh sandbox; the workspace (and the conversation) carry over.
import * as z from "zod";
import { SandboxProviderSchema } from "./enums.js";

export const SESSION_STATUSES = ["active", "expired", "deleted"] as const;
export const SessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

/** POST /sessions. Unknown fields are rejected. */
export const CreateSessionRequestSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  sandboxProvider: SandboxProviderSchema.optional(),
  /** The session expires (and its workspace is freed) after this long without a turn. */
  idleTimeoutSecs: z.int().min(30).max(86_400).default(900),
  /** Turns of conversation the agent is given; older ones are dropped, whole. */
  maxHistoryTurns: z.int().min(1).max(1000).default(50),
});
export type CreateSessionRequest = z.output<typeof CreateSessionRequestSchema>;
export type CreateSessionRequestInput = z.input<typeof CreateSessionRequestSchema>;

export const SessionRecordSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  status: SessionStatusSchema,
  sandboxProvider: SandboxProviderSchema,
  idleTimeoutSecs: z.int(),
  maxHistoryTurns: z.int(),
  createdAt: z.iso.datetime(),
  lastActiveAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** Turns run so far. */
  turns: z.int().nonnegative(),
  /** The run going on now, if any (one at a time). */
  activeRunId: z.string().optional(),
  /** docker/local sessions live on one instance: its advertised URL (421 elsewhere). */
  ownerUrl: z.string().optional(),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

/** One tool call of an assistant message, provider-neutral. */
export const HistoryToolCallSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});

/**
 * One turn of a session's conversation, provider-neutral: the user's prompt, then the model's
 * steps in order. Each tool call is followed by its result in the next `tool_results` step, so a
 * turn never holds a dangling call or result; turns are kept or dropped whole.
 */
export const HistoryTurnSchema = z.strictObject({
  prompt: z.string(),
  steps: z.array(
    z.discriminatedUnion("kind", [
      z.strictObject({
        kind: z.literal("assistant"),
        text: z.string(),
        toolCalls: z.array(HistoryToolCallSchema),
      }),
      z.strictObject({
        kind: z.literal("tool_results"),
        results: z.array(
          z.strictObject({
            id: z.string(),
            name: z.string(),
            content: z.string(),
            isError: z.boolean(),
          }),
        ),
      }),
    ]),
  ),
});
export type HistoryTurn = z.infer<typeof HistoryTurnSchema>;
