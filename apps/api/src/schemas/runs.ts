// What the /runs routes read and answer besides protocol types: list query, page, event cursor, cancel.
import { RunRecordSchema, RunStatusSchema } from "@sandcaster/protocol";
import { z } from "zod";

/** GET /runs query string; unknown parameters are refused. */
export const RunListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: RunStatusSchema.optional(),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(500).optional(),
});

export const RunPageSchema = z.object({
  /** Newest first. */
  runs: z.array(RunRecordSchema),
  /** Present when more runs follow: pass it back as `cursor`. */
  nextCursor: z.string().optional(),
});
export type RunPage = z.infer<typeof RunPageSchema>;

/** The `:id` of /runs/:id…: whatever the run's id is (run_<uuid> when the server made it). */
export const RunIdSchema = z.string().min(1);

/** `Last-Event-ID` header or `?after=`: events with a larger id follow. */
export const EventIdSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const CancelResponseSchema = z.object({
  id: z.string(),
  /** "cancelling" (202) while the run stops; the final status (200) once it has ended. */
  status: z.union([z.literal("cancelling"), RunStatusSchema]),
});
export type CancelResponse = z.infer<typeof CancelResponseSchema>;
