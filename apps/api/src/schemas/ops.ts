// Bodies of the probes: GET /health (liveness) and GET /ready (readiness).
import { z } from "zod";

export const HealthBodySchema = z.object({ status: z.literal("ok"), version: z.string() });
export type HealthBody = z.infer<typeof HealthBodySchema>;

export const ReadyStatusSchema = z.enum(["ready", "draining", "not_ready"]);
export type ReadyStatus = z.infer<typeof ReadyStatusSchema>;

export const ReadyBodySchema = z.object({
  status: ReadyStatusSchema,
  /** Check name → "ok" or why it failed. Empty while draining (checks do not run then). */
  checks: z.record(z.string(), z.string()),
});
export type ReadyBody = z.infer<typeof ReadyBodySchema>;
