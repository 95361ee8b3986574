// Webhooks with two instances sharing PostgreSQL: each run's delivery goes out exactly once although
// both instances sweep for due deliveries and race for every retry, and a delivery left pending by
// an instance that stopped is finished by the other one.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";
import { type Receiver, settledDelivery, startReceiver } from "./webhook-receiver.js";

const PG_URL = process.env.SANDCASTER_TEST_DATABASE_URL;
if (!PG_URL) {
  if (process.env.SANDCASTER_REQUIRE_POSTGRES === "1") {
    throw new Error("SANDCASTER_REQUIRE_POSTGRES=1 but SANDCASTER_TEST_DATABASE_URL is not set");
  }
  console.log(
    "[webhooks-instances] skipped: set SANDCASTER_TEST_DATABASE_URL to a PostgreSQL database (apt install postgresql)",
  );
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// A database of this file's own: the shared one may hold other branches' migrations.
const DB_NAME = `sandcaster_webhooks_${randomBytes(4).toString("hex")}`;
let dbUrl: string | undefined;
beforeAll(async () => {
  if (!PG_URL) return;
  await admin(`create database ${DB_NAME}`);
  const url = new URL(PG_URL);
  url.pathname = `/${DB_NAME}`;
  dbUrl = url.toString();
});
afterAll(async () => {
  if (dbUrl) await admin(`drop database if exists ${DB_NAME}`);
});

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function instance(id: string, webhook: Record<string, unknown>, turns: number) {
  const t = await startTestServer({
    databaseUrl: dbUrl,
    instanceId: id,
    turns: Array.from({ length: turns }, (_, i) => ({ text: `done ${i}` })),
    config: { webhook: { allowAddresses: ["127.0.0.1"], ...webhook } },
    webhooks: { secret: SECRET },
  });
  open.push(t);
  return t;
}

async function receiver(answer: (index: number) => number): Promise<Receiver> {
  const r = await startReceiver(answer);
  open.push(r);
  return r;
}

async function run(t: TestServer, url: string): Promise<string> {
  const response = await postQuery(t.url, { prompt: "hook me", webhook: { url } });
  expect(response.status).toBe(200);
  await readEvents(response);
  return response.headers.get("x-run-id") ?? "";
}

it.runIf(PG_URL)(
  "every run is delivered exactly once while both instances sweep and race for its retry",
  async () => {
    // Each delivery's first try gets a 500; its retry is then due on both instances at once (A's
    // own timer, A's sweep and B's sweep, every 50 ms): only the store's claim keeps it to one.
    const firstTries = new Set<string>();
    const answers = await receiver((index) => {
      const id = String(answers.hooks[index]?.headers["webhook-id"]);
      if (firstTries.has(id)) return 200;
      firstTries.add(id);
      return 500;
    });
    const settings = { sweepIntervalSecs: 0.05, retryDelaysSecs: [0.3] };
    const a = await instance("instance-a", settings, 3);
    const b = await instance("instance-b", settings, 3);
    const runIds = [
      await run(a, answers.url),
      await run(b, answers.url),
      await run(a, answers.url),
    ];
    for (const runId of runIds) {
      const delivery = await settledDelivery(a.url, runId);
      expect(delivery.state).toBe("delivered");
      expect(delivery.attempts.map((x) => x.status)).toEqual([500, 200]);
    }
    // More sweeps on both instances find nothing left to send.
    await Promise.all([a.webhooks?.sweep(), b.webhooks?.sweep(), a.webhooks?.sweep()]);
    const perId = new Map<string, number>();
    for (const hook of answers.hooks) {
      const id = String(hook.headers["webhook-id"]);
      perId.set(id, (perId.get(id) ?? 0) + 1);
    }
    expect(Object.fromEntries(perId)).toEqual(
      Object.fromEntries(runIds.map((runId) => [`msg_${runId}`, 2])),
    );
    const retriedBy = await Promise.all(
      runIds.map(async (runId) => (await settledDelivery(b.url, runId)).attempts[1]?.instance),
    );
    console.log(`[webhooks-instances] retries were sent by ${retriedBy.join(", ")}`);
  },
  120_000,
);

it.runIf(PG_URL)(
  "a delivery pending on an instance that stopped is sent by the other instance's sweep",
  async () => {
    const hooks = await receiver((index) => (index === 0 ? 500 : 204));
    // A's first try gets a 500 and A's webhooks stop before its retry (due 1 s later); then B
    // starts, and its sweep finds the delivery nobody holds.
    const a = await instance("instance-a", { retryDelaysSecs: [1], sweepIntervalSecs: 3600 }, 1);
    const runId = await run(a, hooks.url);
    await hooks.received(1);
    await a.webhooks?.close();
    const b = await instance("instance-b", { sweepIntervalSecs: 0.1 }, 0);
    const delivery = await settledDelivery(b.url, runId);
    expect(delivery.state).toBe("delivered");
    expect(delivery.attempts.map((x) => [x.status, x.instance])).toEqual([
      [500, "instance-a"],
      [204, "instance-b"],
    ]);
    expect(hooks.hooks).toHaveLength(2);
  },
  60_000,
);
