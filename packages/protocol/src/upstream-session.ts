// The upstream Sandcaster project's session API, served beside ours on the same sessions:
// POST /sessions with a prompt streams the first turn (after `session_created`),
// POST /sessions/:id/messages streams the next, GET /sessions/:id/events attaches to the live one.
import * as z from "zod";
import { RequestFilesSchema } from "./files.js";
import { QueryRequestSchema } from "./request.js";
import { RunRecordSchema } from "./run-record.js";
import { SessionRecordSchema } from "./session.js";

/** `sessionConfig` of an upstream-style POST /sessions; our own create body's fields, renamed. */
export const UpstreamSessionConfigSchema = z.strictObject({
  idleTimeoutSecs: z.int().min(30).max(86_400).optional(),
  name: z.string().min(1).max(200).optional(),
  maxHistoryTurns: z.int().min(1).max(1000).optional(),
});

/**
 * POST /sessions with `prompt`: every /query field (the first turn's), plus `sessionConfig`.
 * A body without `prompt` or `sessionConfig` is our own create request (201 JSON).
 */
export const UpstreamCreateSessionRequestSchema = QueryRequestSchema.omit({
  sessionId: true,
}).extend({ sessionConfig: UpstreamSessionConfigSchema.optional() });
export type UpstreamCreateSessionRequest = z.output<typeof UpstreamCreateSessionRequestSchema>;
export type UpstreamCreateSessionRequestInput = z.input<typeof UpstreamCreateSessionRequestSchema>;

/** POST /sessions/:id/messages: the next turn, or a slash command (/status, /files, /clear, /compact). */
export const SessionMessageRequestSchema = z.strictObject({
  prompt: z.string().min(1).max(1_000_000),
  files: RequestFilesSchema.optional(),
});
export type SessionMessageRequestInput = z.input<typeof SessionMessageRequestSchema>;

export const SESSION_COMMANDS = ["status", "files", "clear", "compact"] as const;
export type SessionCommand = (typeof SESSION_COMMANDS)[number];

/** `/status` → "status"; anything that is not one of SESSION_COMMANDS is a prompt. */
export function sessionCommandOf(prompt: string): SessionCommand | undefined {
  const match = /^\/(\S+)(\s|$)/.exec(prompt);
  return SESSION_COMMANDS.find((command) => command === match?.[1]);
}

/** First on the stream of an upstream-style POST /sessions. Not a run's event: it has no id. */
export const SessionCreatedEventSchema = z.object({
  type: z.literal("session_created"),
  sessionId: z.string(),
  content: z.string(),
});

/** Ends GET /sessions/:id/events when the session expires (or is deleted). */
export const SessionExpiredEventSchema = z.object({
  type: z.literal("session_expired"),
  sessionId: z.string(),
  content: z.string(),
});

/** The answer to a slash command sent as a message. */
export const SessionCommandResultEventSchema = z.object({
  type: z.literal("session_command_result"),
  command: z.enum(SESSION_COMMANDS),
  content: z.string(),
  data: z.unknown().optional(),
});

/** Session frames, beside a turn's run events on the session streams; they carry no `id:`. */
export const SessionEventSchema = z.discriminatedUnion("type", [
  SessionCreatedEventSchema,
  SessionExpiredEventSchema,
  SessionCommandResultEventSchema,
]);
export type SessionEvent = z.infer<typeof SessionEventSchema>;

/**
 * A session as GET /sessions lists it: our record plus the names upstream clients read
 * (`lastActivityAt`, `idleTimeoutMs`, `sandboxId`, totals over its turns).
 */
export const SessionViewSchema = SessionRecordSchema.extend({
  lastActivityAt: z.iso.datetime(),
  idleTimeoutMs: z.int(),
  /** The sandbox of the latest turn (its provider's id); null before the first. */
  sandboxId: z.string().nullable(),
  /** Turns recorded (runs), the sum of their model turns, the sum of their cost. */
  runsCount: z.int().nonnegative(),
  totalTurns: z.int().nonnegative(),
  totalCostUsd: z.number().nonnegative(),
});
export type SessionView = z.infer<typeof SessionViewSchema>;

/** GET /sessions/:id: the view plus its turns' run records, oldest first. */
export const SessionDetailSchema = SessionViewSchema.extend({
  runs: z.array(RunRecordSchema),
});
export type SessionDetail = z.infer<typeof SessionDetailSchema>;
