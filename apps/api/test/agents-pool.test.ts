// An agent's warm pool on docker: sandboxes made ahead from the active version's template, holding
// no secret until an invocation's process gets it; each serves exactly one invocation; a redeploy
// replaces the pool; delete destroys it.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentFixture, agentFixture } from "./agent-fixture.js";
import { archiveOf, call, deploy, invokeWait } from "./agent-requests.js";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { shouldRunDocker } from "./leftovers.js";
import { docker, removeTemplateImages } from "./template-fixture.js";

const enabled = await shouldRunDocker();
const run = promisify(execFile);
const NAME = "pooled";
const SECRET = "pooled-secret-3c9e0d51a7";

function code(version: number): Record<string, string> {
  return {
    "index.js": `
const { createHash } = require("node:crypto");
let prompt = "";
process.stdin.on("data", (chunk) => { prompt += chunk; });
process.stdin.on("end", () => {
  const digest = createHash("sha256").update(process.env.POOL_SECRET ?? "").digest("hex");
  process.stdout.write("v${version} " + digest + "\\n");
});
`,
  };
}

/** Containers made from the template image (the pool's idle ones and any running invocation). */
async function containersOf(templateId: string): Promise<string[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { ancestor: [`sandcaster-template:${templateId}`] },
  });
  return list.map((c) => c.Id);
}

/** Polls a condition a bounded number of times (the pool fills in the background). */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string) {
  for (let i = 0; i < 600; i++) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within 60 s: ${what}`);
}

describe.skipIf(!enabled)("an agent's warm pool (docker)", () => {
  let dir: string;
  let t: TestServer;
  let fixture: AgentFixture;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-agents-pool-"));
    const storePath = join(dir, "runs.db");
    fixture = await agentFixture({ agentBase: TEST_IMAGE, storePath, poolSize: 1 });
    t = await startTestServer({
      sandbox: "docker",
      turns: [],
      appDeps: fixture.appDeps,
      storePath,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await fixture?.close();
    await removeTemplateImages(fixture?.templates.templates.list().map((info) => info.id) ?? []);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("invokes from the pool; the pooled sandbox never held the secret and serves once", async () => {
    await deploy(t.url, { name: NAME, entrypoint: "node index.js" }, await archiveOf(code(1)));
    const info = await fixture.agents.settled(NAME);
    const templateId = info.versions[0]?.templateId ?? "";
    const put = await call(t.url, "PUT", `/agents/${NAME}/secrets/POOL_SECRET`, { value: SECRET });
    expect(put.status).toBe(204);
    const [idle] = await eventually(
      () => containersOf(templateId),
      (ids) => ids.length === 1,
      "the pool holds one sandbox",
    );
    // Attack from inside the idle sandbox: no process there has the secret in its environment.
    const inspected = await docker.getContainer(idle ?? "").inspect();
    expect(JSON.stringify(inspected.Config.Env)).not.toContain(SECRET);
    const environ = await run("docker", [
      "exec",
      idle ?? "",
      "sh",
      "-c",
      "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\\\0' '\\\\n'; env",
    ]);
    expect(environ.stdout).not.toContain(SECRET);

    const answer = await invokeWait(t.url, NAME, { prompt: "go" });
    const digest = createHash("sha256").update(SECRET).digest("hex");
    expect(answer.output).toBe(`v1 ${digest}\n`);
    const record = (await (await call(t.url, "GET", `/runs/${answer.runId}`)).json()) as {
      sandboxId: string;
    };
    expect(record.sandboxId).toBe(idle);
    expect(fixture.agents.poolStats(NAME)).toMatchObject({ hits: 1, misses: 0 });
    // Used once: that sandbox is gone, and the pool made a fresh one.
    const refilled = await eventually(
      () => containersOf(templateId),
      (ids) => ids.length === 1 && ids[0] !== idle,
      "the pool refills with a new sandbox",
    );
    expect(refilled).not.toContain(idle);
  }, 300_000);

  it("a redeploy replaces the pool; delete destroys it", async () => {
    const before = (await fixture.agents.settled(NAME)).versions[0]?.templateId ?? "";
    await deploy(t.url, { name: NAME, entrypoint: "node index.js" }, await archiveOf(code(2)));
    const info = await fixture.agents.settled(NAME);
    expect(info.activeVersion).toBe(2);
    const after = info.versions[1]?.templateId ?? "";
    await eventually(
      () => containersOf(before),
      (ids) => ids.length === 0,
      "v1's pool is gone",
    );
    await eventually(
      () => containersOf(after),
      (ids) => ids.length === 1,
      "v2's pool is filled",
    );
    expect((await invokeWait(t.url, NAME, { prompt: "go" })).output).toMatch(/^v2 /);

    expect((await call(t.url, "DELETE", `/agents/${NAME}`)).status).toBe(204);
    await eventually(
      () => containersOf(after),
      (ids) => ids.length === 0,
      "v2's pool is gone",
    );
  }, 300_000);
});
