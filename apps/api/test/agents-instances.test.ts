// Two instances on one PostgreSQL database see the same agents: a deploy on A is invoked on B, a
// secret set on B reaches A's invocation (and no row holds it in clear), a rollback on B is what A
// runs, a delete on A is a 404 on B, and a build A removed is built again when B needs it.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentFixture, agentFixture } from "./agent-fixture.js";
import { archiveOf, call, deploy, getAgent, invokeWait } from "./agent-requests.js";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { shouldRunDocker } from "./leftovers.js";
import { docker, removeTemplateImages } from "./template-fixture.js";

const PG_URL = process.env.SANDCASTER_TEST_DATABASE_URL;
if (!PG_URL) {
  if (process.env.SANDCASTER_REQUIRE_POSTGRES === "1") {
    throw new Error("SANDCASTER_REQUIRE_POSTGRES=1 but SANDCASTER_TEST_DATABASE_URL is not set");
  }
  console.log(
    "[agents-instances] skipped: set SANDCASTER_TEST_DATABASE_URL to a PostgreSQL database (apt install postgresql)",
  );
}
const enabled = Boolean(PG_URL) && (await shouldRunDocker());
const SECRET = "shared-secret-e1f0c2b9";

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

function code(version: number): Record<string, string> {
  return {
    "index.js": `
const { createHash } = require("node:crypto");
process.stdin.resume();
process.stdin.on("end", () => {
  const digest = createHash("sha256").update(process.env.SHARED ?? "").digest("hex");
  process.stdout.write("v${version} " + digest + "\\n");
});
`,
  };
}

// A database of this file's own: the shared one may hold other branches' migrations.
const DB_NAME = `sandcaster_agents_${randomBytes(4).toString("hex")}`;

describe.skipIf(!enabled)("agents on two instances sharing PostgreSQL", () => {
  let dbUrl: string;
  const instances: { t: TestServer; fixture: AgentFixture }[] = [];
  const keys = { current: randomBytes(32) };

  beforeAll(async () => {
    await query(PG_URL as string, `create database ${DB_NAME}`);
    const url = new URL(PG_URL as string);
    url.pathname = `/${DB_NAME}`;
    dbUrl = url.toString();
    for (const id of ["instance-a", "instance-b"]) {
      // Both instances share the secrets key, as a deployment's instances do.
      const fixture = await agentFixture({
        agentBase: TEST_IMAGE,
        storePath: "",
        databaseUrl: dbUrl,
        keys,
      });
      const t = await startTestServer({
        sandbox: "docker",
        turns: [],
        appDeps: fixture.appDeps,
        databaseUrl: dbUrl,
        instanceId: id,
      });
      instances.push({ t, fixture });
    }
  }, 120_000);
  afterAll(async () => {
    for (const { t, fixture } of instances) {
      await t.close();
      await fixture.close();
      await removeTemplateImages(fixture.templates.templates.list().map((info) => info.id));
    }
    if (dbUrl) await query(PG_URL as string, `drop database if exists ${DB_NAME}`);
  });

  it("deploy on A, invoke and set a secret on B, roll back on B, delete on A", async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    for (const version of [1, 2]) {
      await deploy(
        a.t.url,
        { name: "shared", entrypoint: "node index.js" },
        await archiveOf(code(version)),
      );
      await a.fixture.agents.settled("shared");
    }
    expect(await getAgent(b.t.url, "shared")).toMatchObject({ activeVersion: 2 });
    const put = await call(b.t.url, "PUT", "/agents/shared/secrets/SHARED", { value: SECRET });
    expect(put.status).toBe(204);
    const digest = createHash("sha256").update(SECRET).digest("hex");
    expect((await invokeWait(b.t.url, "shared", { prompt: "x" })).output).toBe(`v2 ${digest}\n`);
    expect((await invokeWait(a.t.url, "shared", { prompt: "x" })).output).toBe(`v2 ${digest}\n`);

    const rows = await query(dbUrl, "select * from agent_secrets");
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(SECRET);

    const rolled = await call(b.t.url, "POST", "/agents/shared/rollback", { version: 1 });
    expect(rolled.status).toBe(200);
    expect((await invokeWait(a.t.url, "shared", { prompt: "x" })).output).toBe(`v1 ${digest}\n`);

    const [v2] = (await b.fixture.store.agents?.get("shared"))?.versions.slice(-1) ?? [];
    expect((await call(a.t.url, "DELETE", "/agents/shared")).status).toBe(204);
    expect((await call(b.t.url, "GET", "/agents/shared")).status).toBe(404);
    expect(await query(dbUrl, "select * from agent_versions")).toEqual([]);

    // A removed the image of v2's code (no agent uses it any more), which B had built and still
    // knows as ready. The same code deployed again on B is built anew there and runs.
    const image = docker.getImage(`sandcaster-template:${v2?.templateId}`);
    const gone = () =>
      image.inspect().then(
        () => false,
        () => true,
      );
    for (let i = 0; i < 300 && !(await gone()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await gone()).toBe(true);
    await deploy(b.t.url, { name: "again", entrypoint: "node index.js" }, await archiveOf(code(2)));
    expect(await b.fixture.agents.settled("again")).toMatchObject({ status: "active" });
    expect(await gone()).toBe(false);
    expect((await invokeWait(b.t.url, "again", { prompt: "x" })).output).toBe(
      `v2 ${createHash("sha256").update("").digest("hex")}\n`,
    );
    expect((await call(b.t.url, "DELETE", "/agents/again")).status).toBe(204);
  }, 300_000);
});
