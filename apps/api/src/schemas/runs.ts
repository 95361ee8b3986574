// What the /runs routes read besides protocol types: list query, event cursor. The answers (page,
// cancel) are protocol's, shared with the SDK and the CLI.
import { CancelRunResponseSchema, RunKindSchema, RunStatusSchema } from "@sandcaster/protocol";
import { z } from "zod";

/** GET /runs query string; unknown parameters are refused. */
export const RunListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: RunStatusSchema.optional(),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(500).optional(),
  /** Only this session's turns. */
  sessionId: z.string().min(1).max(200).optional(),
  /** query (POST /query and sessions), pipeline or agent. */
  kind: RunKindSchema.optional(),
  /** Only runs whose id starts with this (a short id as the CLI shows it, `run_af0e…`). */
  idPrefix: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only")
    .optional(),
});

export { type RunPage, RunPageSchema } from "@sandcaster/protocol";

/** The `:id` of /runs/:id…: whatever the run's id is (run_<uuid> when the server made it). */
export const RunIdSchema = z.string().min(1);

/** `Last-Event-ID` header or `?after=`: events with a larger id follow. */
export const EventIdSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const CancelResponseSchema = CancelRunResponseSchema;
export type { CancelRunResponse as CancelResponse } from "@sandcaster/protocol";
