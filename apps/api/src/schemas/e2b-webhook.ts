// POST /webhooks/e2b: the lifecycle event E2B delivers, and what we answer.
import { z } from "zod";

const Metadata = z.record(z.string(), z.string()).nullish();

/** v1 and v2 deliveries; unknown fields are kept out of our way, not rejected. */
export const E2BWebhookPayloadSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(200),
  sandboxId: z.string().max(200).optional(),
  sandboxMetadata: Metadata,
  eventData: z.looseObject({ sandbox_metadata: Metadata, sandboxMetadata: Metadata }).nullish(),
});

export const E2BWebhookAckSchema = z.object({
  /** "duplicate" when this delivery id was handled before. */
  status: z.enum(["ok", "duplicate"]),
  /** On a `sandbox.lifecycle.killed` event: whether a running run was marked SANDBOX_LOST. */
  runMarkedLost: z.boolean().optional(),
});
export type E2BWebhookAck = z.infer<typeof E2BWebhookAckSchema>;
