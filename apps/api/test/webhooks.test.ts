// Run-completion webhooks through real HTTP: a run's record arrives signed per Standard Webhooks
// (checked by a verifier written from the spec and by the `standardwebhooks` package; the SDK's
// verifyWebhook is tested in packages/sdk against the same two),
// a 500 is retried, a 400 is not, every try shows in GET /runs/:id/webhooks, and loopback targets
// are refused unless the operator exempted them. Receivers listen on 127.0.0.1, so the tests that
// deliver exempt it explicitly (sandcaster.json webhook.allowAddresses).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";
import {
  type ReceivedHook,
  type Receiver,
  settledDelivery,
  startReceiver,
} from "./webhook-receiver.js";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const EXEMPT = { webhook: { allowAddresses: ["127.0.0.1"], retryDelaysSecs: [0.2] } };

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function server(
  options: Partial<Parameters<typeof startTestServer>[0]>,
): Promise<TestServer> {
  const t = await startTestServer({
    turns: [{ text: "done" }],
    webhooks: { secret: SECRET },
    ...options,
  });
  open.push(t);
  return t;
}

async function receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answer);
  open.push(r);
  return r;
}

/** Straight from the spec text: HMAC-SHA256 over "msg_id.timestamp.payload" with the base64-decoded part of the secret after "whsec_"; the header is space-separated "v1,<base64>" entries. */
function verifiedPerSpec(secret: string, headers: IncomingHttpHeaders, payload: string): boolean {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const content = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${payload}`;
  const expected = Buffer.from(createHmac("sha256", key).update(content).digest("base64"));
  return String(headers["webhook-signature"])
    .split(" ")
    .some((entry) => {
      const [version, signature] = entry.split(",");
      const given = Buffer.from(signature ?? "");
      return (
        version === "v1" && given.length === expected.length && timingSafeEqual(given, expected)
      );
    });
}

async function runWith(t: TestServer, webhook: unknown): Promise<string> {
  const response = await postQuery(t.url, { prompt: "hook me", webhook });
  expect(response.status).toBe(200);
  await readEvents(response);
  return response.headers.get("x-run-id") ?? "";
}

describe("run-completion webhooks", () => {
  it("POSTs the run record signed per Standard Webhooks, off the stream's critical path", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The receiver answers only after the test has read the whole stream: were the stream's end
    // waiting for the webhook, this test would hang.
    const hooks = await receiver(async () => {
      await held;
      return 200;
    });
    const t = await server({ config: EXEMPT });
    const runId = await runWith(t, { url: hooks.url });
    release();
    const [hook] = (await hooks.received(1)) as [ReceivedHook];

    expect(verifiedPerSpec(SECRET, hook.headers, hook.body)).toBe(true);
    expect(() =>
      new Webhook(SECRET).verify(hook.body, hook.headers as Record<string, string>),
    ).not.toThrow();
    const payload = JSON.parse(hook.body);
    expect(payload.type).toBe("run.completed");
    expect(payload.data).toMatchObject({ id: runId, status: "completed" });
    expect(hook.headers["webhook-id"]).toBe(`msg_${runId}`);
    expect(hook.body).not.toContain("sk-ant-test-secret-key");

    // A changed body or another secret fails both verifiers.
    const tampered = hook.body.replace("completed", "cancelled");
    const other = `whsec_${randomBytes(32).toString("base64")}`;
    expect(verifiedPerSpec(SECRET, hook.headers, tampered)).toBe(false);
    expect(verifiedPerSpec(other, hook.headers, hook.body)).toBe(false);
    const headers = hook.headers as Record<string, string>;
    expect(() => new Webhook(SECRET).verify(tampered, headers)).toThrow();
    expect(() => new Webhook(other).verify(hook.body, headers)).toThrow();

    const delivery = await settledDelivery(t.url, runId);
    expect(delivery).toMatchObject({
      id: `msg_${runId}`,
      state: "delivered",
      type: "run.completed",
    });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 200, instance: "instance-a" }),
    ]);
  });

  it("retries after a 500 with the same webhook-id, and records both tries", async () => {
    const hooks = await receiver((index) => (index === 0 ? 500 : 204));
    const t = await server({ config: EXEMPT });
    const runId = await runWith(t, { url: hooks.url });
    const delivery = await settledDelivery(t.url, runId);
    expect(delivery.state).toBe("delivered");
    expect(delivery.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 204],
    ]);
    expect(delivery.attempts[0]?.error).toBe("the receiver answered 500");
    expect(hooks.hooks.map((h) => h.headers["webhook-id"])).toEqual([
      `msg_${runId}`,
      `msg_${runId}`,
    ]);
    for (const hook of hooks.hooks)
      expect(verifiedPerSpec(SECRET, hook.headers, hook.body)).toBe(true);
  });

  it("does not retry a 400, and gives up after maxAttempts on 500s", async () => {
    const rejecting = await receiver(() => 400);
    const failing = await receiver(() => 503);
    const t = await server({
      turns: [{ text: "one" }, { text: "two" }],
      config: { webhook: { ...EXEMPT.webhook, maxAttempts: 3, retryDelaysSecs: [0.1] } },
    });
    const first = await settledDelivery(t.url, await runWith(t, { url: rejecting.url }));
    expect(first.state).toBe("failed");
    expect(first.attempts.map((a) => a.status)).toEqual([400]);
    const second = await settledDelivery(t.url, await runWith(t, { url: failing.url }));
    expect(second.state).toBe("failed");
    expect(second.attempts.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(failing.hooks).toHaveLength(3);
  });

  it("sends only the endings asked for", async () => {
    const hooks = await receiver();
    const t = await server({ config: EXEMPT });
    const runId = await runWith(t, { url: hooks.url, events: ["run.failed"] });
    const response = await fetch(new URL(`/runs/${runId}/webhooks`, t.url));
    expect(await response.json()).toEqual({ deliveries: [] });
    const unknown = await fetch(new URL("/runs/run_nope/webhooks", t.url));
    expect(unknown.status).toBe(404);
  });

  it("connects to the address it checked, never looking the name up again", async () => {
    // hook.invalid resolves only through the server's resolver: a second lookup by the HTTP client
    // (what DNS rebinding exploits) would fail, so a delivery proves the checked address was used.
    const hooks = await receiver();
    const t = await server({
      config: EXEMPT,
      webhooks: { secret: SECRET, resolve: async () => ["127.0.0.1"] },
    });
    const runId = await runWith(t, { url: `http://hook.invalid:${hooks.port}/hook` });
    expect((await settledDelivery(t.url, runId)).state).toBe("delivered");
    expect(hooks.hooks[0]?.headers.host).toBe(`hook.invalid:${hooks.port}`);
  });
});

describe("webhook SSRF refusal (no exemption configured)", () => {
  it("refuses a name that resolves to loopback: a failed try says why, nothing is sent", async () => {
    const hooks = await receiver();
    const t = await server({});
    const runId = await runWith(t, { url: `http://localhost:${hooks.port}/hook` });
    const delivery = await settledDelivery(t.url, runId);
    expect(delivery.state).toBe("failed");
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]?.error).toMatch(
      /^refused: localhost resolves to (127\.0\.0\.1|::1) is not a public address \(loopback\)$/,
    );
    expect(hooks.hooks).toHaveLength(0);
  });

  it.each([
    ["http://127.0.0.1:9/hook", /127\.0\.0\.1 is not a public address \(loopback\)/],
    ["http://[::ffff:10.0.0.1]/hook", /10\.0\.0\.1 is not a public address \(private\)/],
    ["http://169.254.169.254/latest", /cloud metadata address/],
    ["http://[::1]:8080/", /::1 is not a public address \(loopback\)/],
  ])("answers 400 naming webhook.url for the literal %s", async (url, reason) => {
    const t = await server({});
    const response = await postQuery(t.url, { prompt: "x", webhook: { url } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { details?: { field: string; message: string }[] };
    expect(body.details?.[0]?.field).toBe("webhook.url");
    expect(body.details?.[0]?.message).toMatch(reason);
  });

  it("answers 400 for a URL that is not http(s), and when the server has no secret", async () => {
    const t = await server({});
    const bad = await postQuery(t.url, { prompt: "x", webhook: { url: "file:///etc/passwd" } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("webhook.url");
    const unsigned = await startTestServer({ turns: [] });
    open.push(unsigned);
    const refused = await postQuery(unsigned.url, {
      prompt: "x",
      webhook: { url: "https://example.com/hook" },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('"field":"webhook"');
  });
});
