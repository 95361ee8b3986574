// A PostgreSQL backend dies while the pool has its client checked out (what a server restart does to
// a query or transaction in flight): a bare pg.Pool crashes the process, the store's pool does not.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createPgPool } from "../../src/store/pg-pool.js";

const url = process.env.SANDCASTER_TEST_DATABASE_URL;
if (!url && process.env.SANDCASTER_REQUIRE_POSTGRES === "1") {
  throw new Error("SANDCASTER_REQUIRE_POSTGRES=1 but SANDCASTER_TEST_DATABASE_URL is not set");
}
if (!url)
  console.log(
    "[pg-pool] skipped: no PostgreSQL (set SANDCASTER_TEST_DATABASE_URL, see scripts/start-postgres.sh)",
  );

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  admin.on("error", () => {});
  await admin.connect();
  try {
    await admin.query("select pg_terminate_backend($1)", [pid]);
  } finally {
    await admin.end();
  }
}

/** The crash, in a child process: a bare pool, a checked-out client, its backend terminated. */
const BARE_POOL = `
import pg from "pg";
const pool = new pg.Pool({ connectionString: process.env.DB_URL });
pool.on("error", () => {});
const client = await pool.connect();
await client.query("begin");
const admin = new pg.Client({ connectionString: process.env.DB_URL });
await admin.connect();
await admin.query("select pg_terminate_backend($1)", [client.processID]);
await admin.end();
await new Promise((resolve) => setTimeout(resolve, 2000));
console.log("survived");
process.exit(0);
`;

describe.skipIf(!url)("createPgPool", () => {
  let pool: pg.Pool | undefined;
  afterEach(async () => {
    await pool?.end();
    pool = undefined;
  });

  it("baseline: a bare pg.Pool exits the process when a checked-out client's backend dies", async () => {
    const run = promisify(execFile)(process.execPath, ["--input-type=module", "-e", BARE_POOL], {
      env: { ...process.env, DB_URL: url },
      cwd: new URL("..", import.meta.url).pathname,
    });
    const failure = await run.then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/terminating connection due to administrator command/);
  });

  it("a checked-out client whose backend dies is reported, dropped, and the pool serves again", async () => {
    const warnings: string[] = [];
    pool = createPgPool({
      connectionString: url as string,
      max: 2,
      logger: { warn: (obj) => warnings.push(JSON.stringify(obj)) },
    });
    const client = await pool.connect();
    await client.query("begin");
    const died = new Promise((resolve) => client.once("end", resolve));
    await terminate((client as unknown as { processID: number }).processID);
    await died;
    await expect(client.query("select 1")).rejects.toThrow();
    client.release(true);
    expect(warnings.join("\n")).toMatch(/administrator command|terminated/);
    const { rows } = await pool.query("select 1 as one");
    expect(rows).toEqual([{ one: 1 }]);
  });
});
