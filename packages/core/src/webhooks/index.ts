// Run-completion webhooks: signed (Standard Webhooks), retried, recorded, sent once per run.
export { parseWebhookSecret, signWebhook } from "./sign.js";
export { checkWebhookRequest, type WebhookTarget, webhookTarget } from "./target.js";
export {
  checkRunWebhook,
  createWebhookService,
  type RunWebhooks,
  type WebhookService,
  type WebhookServiceOptions,
} from "./webhook-service.js";
