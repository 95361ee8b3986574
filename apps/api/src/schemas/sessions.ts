// What the /sessions routes read and answer besides protocol types.
import { SessionRecordSchema, SessionStatusSchema } from "@sandcaster/protocol";
import { z } from "zod";

/** GET /sessions query string; unknown parameters are refused. */
export const SessionListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: SessionStatusSchema.optional(),
});

export const SessionListSchema = z.object({
  /** Newest first. */
  sessions: z.array(SessionRecordSchema),
});
export type SessionList = z.infer<typeof SessionListSchema>;

/** The `:id` of /sessions/:id…. */
export const SessionIdSchema = z.string().min(1).max(200);
