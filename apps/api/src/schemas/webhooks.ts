// The body of GET /runs/:id/webhooks.
import { WebhookDeliverySchema } from "@sandcaster/protocol";
import { z } from "zod";

/** A run's webhook deliveries: none, or the one the run got (with every try). */
export const RunWebhooksSchema = z.object({ deliveries: z.array(WebhookDeliverySchema) });
export type RunWebhooks = z.infer<typeof RunWebhooksSchema>;
