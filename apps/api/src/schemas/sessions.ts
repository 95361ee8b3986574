// What the /sessions routes read and answer besides protocol types.
import { SessionStatusSchema, SessionViewSchema } from "@sandcaster/protocol";
import { z } from "zod";

/** GET /sessions query string; unknown parameters are refused. */
export const SessionListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: SessionStatusSchema.optional(),
});

/** GET /sessions: newest first, an array (as upstream clients read it). */
export const SessionListSchema = z.array(SessionViewSchema);
export type SessionList = z.infer<typeof SessionListSchema>;

/** The `:id` of /sessions/:id…. */
export const SessionIdSchema = z.string().min(1).max(200);
