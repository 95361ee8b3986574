// E2B lifecycle webhooks: the documented payload shape and delivery headers, signed the way E2B signs them.
import { createHash, randomUUID } from "node:crypto";

export type E2BLifecycleEventType =
  | "sandbox.lifecycle.created"
  | "sandbox.lifecycle.killed"
  | "sandbox.lifecycle.updated"
  | "sandbox.lifecycle.paused"
  | "sandbox.lifecycle.resumed";

export interface SendWebhookOptions {
  /** Sent instead of the correct signature. */
  signature?: string;
  /** e2b-signature-version header (default "v1"). */
  version?: string;
  /** Sends no e2b-signature header at all. */
  omitSignature?: boolean;
  /** Sent as the body while the signature still covers the original payload (a tampered body). */
  bodyOverride?: string;
}

const TEAM_ID = "00000000-0000-4000-8000-00000000e2b0";

/**
 * E2B's `e2b-signature`: SHA-256 over `secret + rawBody` (a plain hash, not an HMAC), base64 with
 * the `=` padding stripped — the standard alphabet, as E2B's docs verify it.
 */
export function e2bWebhookSignature(secret: string, rawBody: string): string {
  return createHash("sha256")
    .update(secret + rawBody)
    .digest("base64")
    .replace(/=+$/, "");
}

/** A lifecycle event body as E2B delivers it (v2 adds `eventData.execution` on killed/paused). */
export function e2bLifecyclePayload(
  type: E2BLifecycleEventType,
  sandbox: { sandboxId: string; templateId?: string; metadata?: Record<string, string> },
  options: { id?: string; version?: "v1" | "v2" } = {},
): object {
  const version = options.version ?? "v2";
  const now = new Date();
  const withExecution =
    version === "v2" &&
    (type === "sandbox.lifecycle.killed" || type === "sandbox.lifecycle.paused");
  return {
    version,
    id: options.id ?? randomUUID(),
    type,
    eventData: {
      sandbox_metadata: { ...(sandbox.metadata ?? {}) },
      ...(withExecution
        ? {
            execution: {
              started_at: new Date(now.getTime() - 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
              vcpu_count: 2,
              memory_mb: 512,
              execution_time: 1000,
            },
          }
        : {}),
    },
    sandboxBuildId: randomUUID(),
    sandboxExecutionId: randomUUID(),
    sandboxId: sandbox.sandboxId,
    sandboxTeamId: TEAM_ID,
    sandboxTemplateId: sandbox.templateId ?? "base",
    timestamp: now.toISOString(),
  };
}

/**
 * POSTs one delivery. A string payload is sent as the raw body verbatim; anything else as JSON.
 * Headers: content-type, e2b-webhook-id (stable for this sender), e2b-delivery-id (fresh per call),
 * e2b-signature-version and e2b-signature.
 */
export async function postWebhook(
  webhookId: string,
  url: string,
  secret: string,
  payload: unknown,
  options: SendWebhookOptions = {},
): Promise<Response> {
  const signedBody = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "e2b-webhook-id": webhookId,
    "e2b-delivery-id": randomUUID(),
    "e2b-signature-version": options.version ?? "v1",
  };
  if (!options.omitSignature) {
    headers["e2b-signature"] = options.signature ?? e2bWebhookSignature(secret, signedBody);
  }
  return fetch(url, { method: "POST", headers, body: options.bodyOverride ?? signedBody });
}
