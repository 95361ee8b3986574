// Which webhook a run gets (its request's, else sandcaster.json's default) and the checks made at
// request time, so a URL that can never be delivered is a 400 naming the field, not a silent loss.
import {
  type QueryRequest,
  WEBHOOK_EVENTS,
  type WebhookConfig,
  type WebhookEvent,
} from "@sandcaster/protocol";
import {
  canonicalAddress,
  canonicalSet,
  refusedAddress,
  serverAddresses,
} from "../egress/address-check.js";
import { PlanError } from "../errors/plan-error.js";
import type { RunOutcome } from "../store/run-store.js";

export interface WebhookTarget {
  url: string;
  events: readonly WebhookEvent[];
}

export function webhookTarget(
  request: QueryRequest,
  config: WebhookConfig,
): WebhookTarget | undefined {
  if (request.webhook) {
    return { url: request.webhook.url, events: request.webhook.events ?? WEBHOOK_EVENTS };
  }
  if (config.url) return { url: config.url, events: config.events ?? WEBHOOK_EVENTS };
  return undefined;
}

/** The event a run's ending is. */
export function webhookEventOf(status: RunOutcome["status"]): WebhookEvent {
  if (status === "completed") return "run.completed";
  if (status === "cancelled") return "run.cancelled";
  return "run.failed";
}

/** The URL's host as an address when it is a literal one (`[::1]` → `::1`), else undefined. */
export function literalAddress(url: URL): string | undefined {
  return canonicalAddress(url.hostname.replace(/^\[|\]$/g, ""));
}

/**
 * Refuses (PlanError, field `webhook.url`) a request's webhook this server cannot send: none is
 * configured to sign, or the URL is a literal address the SSRF rule refuses. Names are checked
 * when the delivery resolves them, since what they resolve to may change.
 */
export function checkWebhookRequest(
  request: QueryRequest,
  config: WebhookConfig,
  canSign: boolean,
): void {
  if (!request.webhook) return;
  if (!canSign) {
    throw new PlanError(
      "webhook",
      `this server sends no webhooks: set ${config.secretEnv} to a whsec_ secret to enable them`,
    );
  }
  const address = literalAddress(new URL(request.webhook.url));
  if (address === undefined) return;
  const refused = refusedAddress(address, {
    allowAddresses: canonicalSet(config.allowAddresses),
    ownAddresses: serverAddresses(),
  });
  if (refused) {
    throw new PlanError(
      "webhook.url",
      `webhooks are not sent to ${refused}; an operator may exempt it in sandcaster.json webhook.allowAddresses`,
    );
  }
}
