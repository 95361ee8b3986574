// Checks a Sandcaster webhook the way the Standard Webhooks spec says: the HMAC-SHA256 of
// "id.timestamp.body" under the whsec_ secret must match one `v1,` signature, and the timestamp
// must be recent. WebCrypto only (Node 19+, browsers, workers), so the SDK gains no dependency.
import type { RunRecord } from "@sandcaster/protocol";
import { SandcasterError } from "./errors.js";

/** What a Sandcaster webhook POSTs: the ending and the run's record (as GET /runs/:id shows it). */
export interface WebhookPayload {
  type: "run.completed" | "run.failed" | "run.cancelled";
  /** When the delivery was created (ISO 8601). */
  timestamp: string;
  data: RunRecord;
}

/** A fetch `Headers`, or node's `req.headers` (lower-case names). */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** How far the `webhook-timestamp` may be from now, either way. Default 300 (five minutes). */
  toleranceSecs?: number;
  /** Seconds since the epoch; for tests. */
  now?: () => number;
}

/** The delivery is not authentic, or too old or new to trust; answer it with 400/401. */
export class WebhookVerificationError extends SandcasterError {
  static override readonly kind: string = "WebhookVerificationError";
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if ("get" in headers && typeof headers.get === "function") return headers.get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function fail(message: string): never {
  throw new WebhookVerificationError(message);
}

/**
 * Resolves to the payload when `body` (the raw request body, not re-serialised JSON) was signed
 * with `secret` (`whsec_…`, the server's SANDCASTER_WEBHOOK_SECRET); else throws
 * WebhookVerificationError. Keep `webhook-id` to drop retries you already handled.
 */
export async function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): Promise<WebhookPayload> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures)
    fail("missing webhook-id, webhook-timestamp or webhook-signature");
  if (!/^\d{1,15}$/.test(timestamp)) fail("webhook-timestamp is not a number of seconds");
  const now = options.now?.() ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSecs ?? 300)) {
    fail("webhook-timestamp is too far from now (a replay, or a clock that is off)");
  }
  const keyBytes = base64Bytes(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  if (!keyBytes || keyBytes.length === 0) fail("the secret is not whsec_ followed by base64");
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  const key = await crypto.subtle.importKey(
    "raw",
    keyBytes,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${text}`);
  // Several signatures may be sent (key rotation); one that matches is enough.
  for (const entry of signatures.split(" ")) {
    const [version, value] = entry.split(",", 2);
    const mac = version === "v1" && value ? base64Bytes(value) : undefined;
    // crypto.subtle.verify compares in constant time.
    if (mac && (await crypto.subtle.verify("HMAC", key, mac, signed))) {
      return JSON.parse(text) as WebhookPayload;
    }
  }
  return fail("no webhook-signature matches the body");
}
