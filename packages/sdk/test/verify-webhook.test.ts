// verifyWebhook against signatures made by two other implementations: the `standardwebhooks`
// package (the spec's reference library for TypeScript) and the server's own signer in core.
import { randomBytes } from "node:crypto";
import { signWebhook } from "@sandcaster/core";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifyWebhook, WebhookVerificationError } from "../src/index.js";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const BODY = JSON.stringify({
  type: "run.completed",
  timestamp: "2026-01-01T00:00:00.000Z",
  data: {
    id: "run_1",
    status: "completed",
    prompt: "hi",
    startedAt: "2026-01-01T00:00:00.000Z",
    filesCount: 0,
  },
});

function signedByPackage(body = BODY, at = new Date()): Record<string, string> {
  const id = "msg_run_1";
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": new Webhook(SECRET).sign(id, at, body),
  };
}

describe("verifyWebhook", () => {
  it("accepts what the standardwebhooks package signs, as a string, bytes, or fetch Headers", async () => {
    const headers = signedByPackage();
    const payload = await verifyWebhook(SECRET, headers, BODY);
    expect(payload).toMatchObject({ type: "run.completed", data: { id: "run_1" } });
    await expect(verifyWebhook(SECRET, headers, new TextEncoder().encode(BODY))).resolves.toEqual(
      payload,
    );
    await expect(verifyWebhook(SECRET, new Headers(headers), BODY)).resolves.toEqual(payload);
  });

  it("accepts what the server signs, also among several signatures (key rotation)", async () => {
    const key = Buffer.from(SECRET.slice(6), "base64");
    const headers = signWebhook(key, "msg_run_1", Math.floor(Date.now() / 1000), BODY);
    await expect(verifyWebhook(SECRET, headers, BODY)).resolves.toMatchObject({
      type: "run.completed",
    });
    const rotated = {
      ...headers,
      "webhook-signature": `v1,${Buffer.alloc(32).toString("base64")} ${headers["webhook-signature"]}`,
    };
    await expect(verifyWebhook(SECRET, rotated, BODY)).resolves.toMatchObject({
      type: "run.completed",
    });
  });

  it.each([
    [
      "a changed body",
      SECRET,
      () => signedByPackage(),
      BODY.replace("completed", "failed"),
      /no webhook-signature/,
    ],
    [
      "another secret",
      `whsec_${randomBytes(32).toString("base64")}`,
      () => signedByPackage(),
      BODY,
      /no webhook-signature/,
    ],
    [
      "a timestamp six minutes old",
      SECRET,
      () => signedByPackage(BODY, new Date(Date.now() - 360_000)),
      BODY,
      /too far/,
    ],
    [
      "a missing header",
      SECRET,
      () => ({ ...signedByPackage(), "webhook-id": "" }),
      BODY,
      /missing/,
    ],
    [
      "only a signature of another version",
      SECRET,
      () => {
        const headers = signedByPackage();
        return {
          ...headers,
          "webhook-signature": headers["webhook-signature"]?.replace("v1,", "v2,") ?? "",
        };
      },
      BODY,
      /no webhook-signature/,
    ],
  ])("refuses %s", async (_, secret, headers, body, message) => {
    const verifying = verifyWebhook(secret, headers(), body);
    await expect(verifying).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(verifying).rejects.toThrow(message);
  });

  it("takes a tolerance for clocks that drift", async () => {
    const headers = signedByPackage(BODY, new Date(Date.now() - 360_000));
    await expect(
      verifyWebhook(SECRET, headers, BODY, { toleranceSecs: 600 }),
    ).resolves.toBeDefined();
  });
});
