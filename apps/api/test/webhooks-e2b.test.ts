// POST /webhooks/e2b: E2B's signature scheme, idempotent deliveries, and lost sandboxes marked so.
import { createHash } from "node:crypto";
import { type E2BDouble, startE2BDouble } from "@sandcaster/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const SECRET = "whsec-test-0123456789";
let t: TestServer | undefined;
let e2b: E2BDouble | undefined;
afterEach(async () => {
  await t?.close();
  await e2b?.close();
  t = undefined;
  e2b = undefined;
});

/** Written from E2B's documentation, independently of the server's code. */
function sign(body: string, secret = SECRET): string {
  return createHash("sha256")
    .update(secret + body)
    .digest("base64")
    .replace(/=+$/, "");
}

function payload(type: string, id: string, runId?: string, sandboxId = "sbx_123") {
  return {
    version: "v1",
    id,
    type,
    eventData: {
      sandbox_metadata: runId ? { sandcasterManaged: "true", sandcasterRunId: runId } : {},
    },
    sandboxId,
    sandboxTemplateId: "base",
    sandboxTeamId: "team_1",
    timestamp: new Date().toISOString(),
  };
}

async function deliver(
  url: string,
  body: string,
  headers: Record<string, string | undefined> = {},
) {
  const all: Record<string, string> = { "content-type": "application/json" };
  const given = { "e2b-signature-version": "v1", "e2b-signature": sign(body), ...headers };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) all[k] = v;
  return fetch(new URL("/webhooks/e2b", url), { method: "POST", headers: all, body });
}

async function runningRun(
  server: TestServer,
  id: string,
  sandboxProvider = "e2b",
  sandboxId: string | undefined = "sbx_123",
) {
  await server.store.createRun({
    id,
    prompt: "p",
    sandboxProvider,
    startedAt: new Date(Date.now() - 1000),
  });
  if (sandboxId) await server.store.recordSandbox(id, sandboxId);
}

describe("POST /webhooks/e2b", () => {
  it("is off (404) without a configured secret, even for a correctly signed call", async () => {
    t = await startTestServer({ turns: [] });
    const body = JSON.stringify(payload("sandbox.lifecycle.created", "evt-0"));
    expect((await deliver(t.url, body)).status).toBe(404);
  });

  it("refuses wrong, missing, tampered and wrong-version signatures without changing state", async () => {
    t = await startTestServer({ turns: [], e2bWebhookSecret: SECRET, apiKey: "server-key" });
    await runningRun(t, "run-1");
    const body = JSON.stringify(payload("sandbox.lifecycle.killed", "evt-1", "run-1"));
    const cases = [
      await deliver(t.url, body, { "e2b-signature": sign(body, "not-the-secret") }),
      await deliver(t.url, body, { "e2b-signature": undefined }),
      await deliver(t.url, body.replace("run-1", "run-2"), { "e2b-signature": sign(body) }),
      await deliver(t.url, body, { "e2b-signature-version": "v2" }),
      await deliver(t.url, body, {
        "e2b-signature": createHash("sha256")
          .update(SECRET + body)
          .digest("hex"),
      }),
    ];
    for (const response of cases) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: "INVALID_SIGNATURE" });
    }
    expect(await t.store.getRun("run-1")).toMatchObject({ status: "running" });
    // a valid delivery needs no bearer token: the signature is its authentication
    expect((await deliver(t.url, body)).status).toBe(200);
  });

  it("marks a running run lost on `killed`, once per delivery id", async () => {
    t = await startTestServer({ turns: [], e2bWebhookSecret: SECRET });
    await runningRun(t, "run-2");
    const body = JSON.stringify(payload("sandbox.lifecycle.killed", "evt-2", "run-2"));
    const first = await deliver(t.url, body);
    expect(await first.json()).toEqual({ status: "ok", runMarkedLost: true });
    expect(await t.store.getRun("run-2")).toMatchObject({
      status: "error",
      errorCode: "SANDBOX_LOST",
    });
    expect(await (await deliver(t.url, body)).json()).toEqual({ status: "duplicate" });
  });

  it("ignores a signed `killed` naming a local or docker run, or no known run", async () => {
    t = await startTestServer({ turns: [], e2bWebhookSecret: SECRET });
    await runningRun(t, "run-local", "local");
    await runningRun(t, "run-docker", "docker");
    for (const [i, runId] of ["run-local", "run-docker", "run-unknown"].entries()) {
      const body = JSON.stringify(payload("sandbox.lifecycle.killed", `evt-x${i}`, runId));
      expect(await (await deliver(t.url, body)).json()).toEqual({
        status: "ok",
        runMarkedLost: false,
      });
    }
    expect(await t.store.getRun("run-local")).toMatchObject({ status: "running" });
    expect(await t.store.getRun("run-docker")).toMatchObject({ status: "running" });
  });

  it("ignores a signed `killed` from another sandbox naming an e2b run, or before its sandbox is known", async () => {
    t = await startTestServer({ turns: [], e2bWebhookSecret: SECRET });
    await runningRun(t, "run-e2b");
    await runningRun(t, "run-e2b-starting", "e2b", undefined);
    const cases = [
      payload("sandbox.lifecycle.killed", "evt-y0", "run-e2b", "sbx_someone_else"),
      payload("sandbox.lifecycle.killed", "evt-y1", "run-e2b-starting", "sbx_someone_else"),
    ];
    for (const event of cases) {
      expect(await (await deliver(t.url, JSON.stringify(event))).json()).toEqual({
        status: "ok",
        runMarkedLost: false,
      });
    }
    expect(await t.store.getRun("run-e2b")).toMatchObject({ status: "running" });
    expect(await t.store.getRun("run-e2b-starting")).toMatchObject({ status: "running" });
  });

  it("acknowledges unknown types and v2 payloads, and answers 400 to a signed body that is not an event", async () => {
    t = await startTestServer({ turns: [], e2bWebhookSecret: SECRET });
    const unknown = JSON.stringify({
      ...payload("sandbox.lifecycle.snapshotted", "evt-3"),
      version: "v2",
    });
    expect(await (await deliver(t.url, unknown)).json()).toEqual({ status: "ok" });
    expect((await deliver(t.url, "not json")).status).toBe(400);
    expect((await deliver(t.url, JSON.stringify({ hello: 1 }))).status).toBe(400);
  });

  it("ends a live e2b stream on this instance with SANDBOX_LOST", async () => {
    e2b = await startE2BDouble();
    t = await startTestServer({
      e2bWebhookSecret: SECRET,
      sandbox: "e2b",
      e2b,
      turns: [{ toolCalls: [{ name: "bash", input: { command: "sleep 30" } }] }, { text: "never" }],
    });
    const response = await postQuery(t.url, { prompt: "wait" });
    const runId = response.headers.get("x-run-id") ?? "";
    const rest = readEvents(response);
    // Delivered once the run has its sandbox (what a real `killed` event follows): the run's
    // sandbox is recorded before its `sandbox_ready` event, which a replay connection waits for.
    const replay = await fetch(new URL(`/runs/${runId}/events`, t.url));
    await readEvents(replay, {
      until: (e) => e.data.type === "system" && e.data.subtype === "sandbox_ready",
    });
    expect(e2b.alive()).toHaveLength(1);
    const sandboxId = e2b.alive()[0]?.sandboxId ?? "";
    // Another sandbox of the team naming this run changes nothing; the run's own sandbox does.
    const forged = payload("sandbox.lifecycle.killed", "evt-5", runId, "sbx_forged");
    expect(await (await deliver(t.url, JSON.stringify(forged))).json()).toEqual({
      status: "ok",
      runMarkedLost: false,
    });
    expect(await t.store.getRun(runId)).toMatchObject({ status: "running", sandboxId });
    await deliver(
      t.url,
      JSON.stringify(payload("sandbox.lifecycle.killed", "evt-4", runId, sandboxId)),
    );
    const events = await rest;
    expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "SANDBOX_LOST" });
    expect(await t.store.getRun(runId)).toMatchObject({
      status: "error",
      errorCode: "SANDBOX_LOST",
    });
  });
});
