// Run-completion webhooks: where a run's record is POSTed when it ends, signed per Standard Webhooks.
import * as z from "zod";

/** The events a webhook may subscribe to; the delivery's `type` is one of them. */
export const WEBHOOK_EVENTS = ["run.completed", "run.failed", "run.cancelled"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Where the signing secret is read from unless sandcaster.json names another variable. */
export const DEFAULT_WEBHOOK_SECRET_ENV = "SANDCASTER_WEBHOOK_SECRET";

export const WebhookUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((text) => !/^[a-z]+:\/\/[^/]*@/i.test(text), "a webhook URL may not carry credentials");

/** A request's (or the config's default) `webhook`. */
export const WebhookRequestSchema = z.strictObject({
  /** http(s) URL the run record is POSTed to once the run ends. */
  url: WebhookUrlSchema,
  /** Which endings are sent; default all three. */
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length).optional(),
});
export type WebhookRequest = z.output<typeof WebhookRequestSchema>;

/** sandcaster.json `webhook`: a default target plus how deliveries are made. */
export const WebhookConfigSchema = z.strictObject({
  /** Default target for runs whose request names none. */
  url: WebhookUrlSchema.optional(),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length).optional(),
  /** Environment variable holding the signing secret, Standard Webhooks' `whsec_<base64>`. */
  secretEnv: z.string().min(1).max(200).default(DEFAULT_WEBHOOK_SECRET_ENV),
  /**
   * Loopback, private, link-local and metadata addresses are refused as webhook targets (SSRF);
   * an address listed here exactly is not.
   */
  allowAddresses: z
    .array(z.union([z.ipv4(), z.ipv6()]))
    .max(256)
    .default([]),
  /** Tries per delivery, the first included; waits between them grow (see retryDelaysSecs). */
  maxAttempts: z.int().min(1).max(20).default(5),
  /** Wait before the 2nd, 3rd, … try; the last entry repeats. Default 5 s, 30 s, 2 min, 5 min. */
  retryDelaysSecs: z.array(z.number().min(0).max(86_400)).min(1).max(20).default([5, 30, 120, 300]),
  /** One try's bound, connection to response. */
  timeoutSecs: z.number().min(1).max(120).default(10),
  /** How often an instance looks for deliveries that are due (retries, ones a dead instance held). */
  sweepIntervalSecs: z.number().min(0.05).max(3600).default(15),
});
export type WebhookConfig = z.output<typeof WebhookConfigSchema>;

export const WEBHOOK_DELIVERY_STATES = ["pending", "delivered", "failed"] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** One try to deliver, as GET /runs/:id/webhooks shows it. */
export const WebhookAttemptSchema = z.object({
  attempt: z.int().min(1),
  at: z.iso.datetime(),
  /** The receiver's HTTP status; absent when no response came. */
  status: z.int().optional(),
  /** Why the try failed (refused address, timeout, status); absent on success. */
  error: z.string().optional(),
  durationMs: z.number().nonnegative(),
  /** Which instance made the try. */
  instance: z.string(),
});
export type WebhookAttempt = z.infer<typeof WebhookAttemptSchema>;

/** A run's webhook delivery: one per run, whatever instance sends it. */
export const WebhookDeliverySchema = z.object({
  /** The `webhook-id` header: the same on every try, so receivers can drop duplicates. */
  id: z.string(),
  runId: z.string(),
  url: z.string(),
  type: z.enum(WEBHOOK_EVENTS),
  state: z.enum(WEBHOOK_DELIVERY_STATES),
  createdAt: z.iso.datetime(),
  /** When the next try is due (pending only). */
  nextAttemptAt: z.iso.datetime().optional(),
  attempts: z.array(WebhookAttemptSchema),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
