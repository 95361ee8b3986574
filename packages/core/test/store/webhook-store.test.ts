// The webhook delivery store on SQLite and on a fresh PostgreSQL database: one delivery per run,
// a claim only one instance wins, a lease that expires (an instance that died mid-try), retries.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createPostgresRunStore } from "../../src/store/postgres-run-store.js";
import type { RunStore } from "../../src/store/run-store.js";
import { createSqliteRunStore } from "../../src/store/sqlite-run-store.js";

const adminUrl = process.env.SANDCASTER_TEST_DATABASE_URL;
if (!adminUrl) {
  if (process.env.SANDCASTER_REQUIRE_POSTGRES === "1") {
    throw new Error("SANDCASTER_REQUIRE_POSTGRES=1 but SANDCASTER_TEST_DATABASE_URL is not set");
  }
  console.log("[webhook-store] PostgreSQL cases skipped: set SANDCASTER_TEST_DATABASE_URL");
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const opens: Record<string, () => Promise<RunStore>> = {
  sqlite: async () => createSqliteRunStore({ path: ":memory:" }),
  ...(adminUrl
    ? {
        postgres: async () => {
          // A database of its own: migrations of other branches in a shared one must not collide.
          const name = `sandcaster_wh_${randomBytes(4).toString("hex")}`;
          await admin(`create database ${name}`);
          cleanups.push(() => admin(`drop database if exists ${name}`));
          const url = new URL(adminUrl);
          url.pathname = `/${name}`;
          return createPostgresRunStore({ connectionString: url.toString() });
        },
      }
    : {}),
};

const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(T0 + ms);
const delivery = (runId: string) => ({
  id: `msg_${runId}`,
  runId,
  url: "https://example.com/hook",
  type: "run.completed" as const,
  body: '{"type":"run.completed"}',
  createdAt: at(0),
});

describe.each(Object.keys(opens))("webhook store on %s", (kind) => {
  async function store(): Promise<RunStore> {
    const opened = await (opens[kind] as () => Promise<RunStore>)();
    cleanups.push(() => opened.close());
    await opened.migrate();
    return opened;
  }

  it("keeps one delivery per run", async () => {
    const s = await store();
    expect(await s.webhooks.enqueue(delivery("run_1"))).toBe(true);
    expect(await s.webhooks.enqueue({ ...delivery("run_1"), id: "msg_other" })).toBe(false);
    expect(await s.webhooks.due(at(0), 10)).toEqual(["msg_run_1"]);
  });

  it("lets one instance of many claim a due delivery, and another take it once the lease lapses", async () => {
    const s = await store();
    await s.webhooks.enqueue(delivery("run_2"));
    const claims = await Promise.all(
      ["a", "b", "c", "d"].map((owner) => s.webhooks.claim("msg_run_2", owner, at(10), 1000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(claims.find(Boolean)).toMatchObject({ attempt: 1, runId: "run_2" });
    expect(await s.webhooks.due(at(500), 10)).toEqual([]);
    expect(await s.webhooks.claim("msg_run_2", "b", at(500), 1000)).toBeUndefined();
    // The holder died mid-try: after its lease, the delivery is due again for the others.
    expect(await s.webhooks.due(at(1011), 10)).toEqual(["msg_run_2"]);
    const taken = await s.webhooks.claim("msg_run_2", "b", at(1011), 1000);
    expect(taken).toMatchObject({ attempt: 1 });
  });

  it("records tries, schedules the retry, and stops at the final state", async () => {
    const s = await store();
    await s.webhooks.enqueue(delivery("run_3"));
    const first = await s.webhooks.claim("msg_run_3", "a", at(0), 1000);
    if (!first) throw new Error("not claimed");
    await s.webhooks.recordAttempt(
      first,
      "a",
      { at: at(0), status: 500, error: "the receiver answered 500", durationMs: 12 },
      { state: "pending", retryAt: at(5000) },
    );
    expect(await s.webhooks.claim("msg_run_3", "b", at(4999), 1000)).toBeUndefined();
    const second = await s.webhooks.claim("msg_run_3", "b", at(5000), 1000);
    expect(second?.attempt).toBe(2);
    if (!second) throw new Error("not claimed");
    await s.webhooks.recordAttempt(
      second,
      "b",
      { at: at(5000), status: 204, durationMs: 3 },
      { state: "delivered" },
    );
    expect(await s.webhooks.due(at(99_999), 10)).toEqual([]);
    expect(await s.webhooks.forRun("run_3")).toEqual({
      id: "msg_run_3",
      runId: "run_3",
      url: "https://example.com/hook",
      type: "run.completed",
      state: "delivered",
      createdAt: at(0).toISOString(),
      attempts: [
        {
          attempt: 1,
          at: at(0).toISOString(),
          status: 500,
          error: "the receiver answered 500",
          durationMs: 12,
          instance: "a",
        },
        { attempt: 2, at: at(5000).toISOString(), status: 204, durationMs: 3, instance: "b" },
      ],
    });
    expect(await s.webhooks.forRun("run_none")).toBeUndefined();
  });
});
