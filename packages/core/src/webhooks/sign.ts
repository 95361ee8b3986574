// Standard Webhooks signing (https://www.standardwebhooks.com): the secret's `whsec_<base64>` form,
// and `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the decoded secret bytes.
import { createHmac } from "node:crypto";

const PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The secret's bytes, or a sentence saying what is wrong with it (never the secret itself). */
export function parseWebhookSecret(text: string): Buffer | string {
  const encoded = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : text;
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) {
    return "the webhook secret is not whsec_ followed by base64";
  }
  const bytes = Buffer.from(encoded, "base64");
  // The spec asks for 24 to 64 bytes; fewer would make a guessable key.
  if (bytes.length < 24 || bytes.length > 64) {
    return `the webhook secret must decode to 24..64 bytes (it has ${bytes.length})`;
  }
  return bytes;
}

/** The three headers of one try; `timestamp` is in seconds and new on every try. */
export function signWebhook(
  secret: Buffer,
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const mac = createHmac("sha256", secret).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${mac}`,
  };
}
