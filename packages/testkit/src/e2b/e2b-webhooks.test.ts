// sendWebhook deliveries checked by an independent receiver: headers, payload shape, signature, tampering.
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type E2BDouble, e2bLifecyclePayload, startE2BDouble } from "./index.js";

let double: E2BDouble;
let receiver: Server;
let url: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const SECRET = "whsec-test-secret";

beforeAll(async () => {
  double = await startE2BDouble();
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/e2b`;
});
afterAll(async () => {
  await double.close();
  await new Promise((resolve) => receiver.close(resolve));
});

/** E2B's documented verification, computed here without the double's code. */
function verify(secret: string, rawBody: string, signature: string | undefined): boolean {
  const expected = createHash("sha256")
    .update(secret + rawBody)
    .digest("base64")
    .replace(/=+$/, "");
  return signature === expected;
}

describe("sendWebhook", () => {
  it("delivers a lifecycle event signed as E2B signs it", async () => {
    const payload = e2bLifecyclePayload(
      "sandbox.lifecycle.killed",
      { sandboxId: "isbx1", templateId: "tmpl", metadata: { run: "r1" } },
      { id: "evt-1" },
    );
    const res = await double.sendWebhook(url, SECRET, payload);
    expect(res.status).toBe(200);
    const delivery = received.at(-1);
    expect(delivery?.body).toBe(JSON.stringify(payload));
    expect(verify(SECRET, delivery?.body ?? "", String(delivery?.headers["e2b-signature"]))).toBe(
      true,
    );
    expect(
      verify("other-secret", delivery?.body ?? "", String(delivery?.headers["e2b-signature"])),
    ).toBe(false);
    expect(delivery?.headers["e2b-signature-version"]).toBe("v1");
    expect(delivery?.headers["e2b-webhook-id"]).toEqual(expect.any(String));
    expect(delivery?.headers["e2b-delivery-id"]).toEqual(expect.any(String));
    expect(delivery?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(delivery?.body ?? "{}")).toMatchObject({
      version: "v2",
      id: "evt-1",
      type: "sandbox.lifecycle.killed",
      eventData: { sandbox_metadata: { run: "r1" }, execution: { vcpu_count: 2 } },
      sandboxId: "isbx1",
      sandboxTemplateId: "tmpl",
      sandboxTeamId: expect.any(String),
      timestamp: expect.any(String),
    });
  });

  it("keeps the webhook id, changes the delivery id, and signs raw string bodies verbatim", async () => {
    const raw = '{ "type": "sandbox.lifecycle.created",  "sandboxId": "isbx2" }';
    await double.sendWebhook(url, SECRET, raw);
    await double.sendWebhook(url, SECRET, raw);
    const [a, b] = received.slice(-2);
    expect(a?.body).toBe(raw);
    expect(verify(SECRET, raw, String(a?.headers["e2b-signature"]))).toBe(true);
    expect(a?.headers["e2b-webhook-id"]).toBe(b?.headers["e2b-webhook-id"]);
    expect(a?.headers["e2b-delivery-id"]).not.toBe(b?.headers["e2b-delivery-id"]);
    const v1 = e2bLifecyclePayload(
      "sandbox.lifecycle.created",
      { sandboxId: "x" },
      { version: "v1" },
    );
    expect(v1).toMatchObject({ version: "v1", eventData: { sandbox_metadata: {} } });
    expect("execution" in (v1 as { eventData: object }).eventData).toBe(false);
  });

  it("sends tampered deliveries on request", async () => {
    const payload = e2bLifecyclePayload("sandbox.lifecycle.created", { sandboxId: "isbx3" });
    await double.sendWebhook(url, SECRET, payload, { signature: "forged", version: "v9" });
    let delivery = received.at(-1);
    expect(delivery?.headers["e2b-signature"]).toBe("forged");
    expect(delivery?.headers["e2b-signature-version"]).toBe("v9");

    await double.sendWebhook(url, SECRET, payload, { omitSignature: true });
    delivery = received.at(-1);
    expect(delivery?.headers["e2b-signature"]).toBeUndefined();

    await double.sendWebhook(url, SECRET, payload, { bodyOverride: '{"type":"evil"}' });
    delivery = received.at(-1);
    expect(delivery?.body).toBe('{"type":"evil"}');
    const signature = String(delivery?.headers["e2b-signature"]);
    expect(verify(SECRET, JSON.stringify(payload), signature)).toBe(true);
    expect(verify(SECRET, delivery?.body ?? "", signature)).toBe(false);
  });
});
