// sandcaster.json's `agentPool` sets how many warm sandboxes each deployed agent keeps, through the
// services `serve` builds (createAgentServices), and SANDCASTER_AGENT_POOL_SIZE overrides it.
// Real HTTP deploys and invocations on docker.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAgentServices, createRunStore, type RunStore } from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { archiveOf, deploy, invokeWait } from "./agent-requests.js";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { shouldRunDocker } from "./leftovers.js";
import { removeTemplateImages } from "./template-fixture.js";

const enabled = await shouldRunDocker();
if (!enabled) console.log("docker missing: agentPool config is skipped (install Docker)");

const CODE = { "index.js": 'process.stdout.write("pooled\\n");\n' };

describe.skipIf(!enabled)("agentPool in sandcaster.json", () => {
  let dir = "";
  let store: RunStore | undefined;
  let services: ReturnType<typeof createAgentServices> | undefined;
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    const ids = services?.appDeps.templates.list().map((info) => info.id) ?? [];
    await services?.close();
    await store?.close();
    await removeTemplateImages(ids);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  async function serve(env: Record<string, string>) {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-agent-pool-config-"));
    const storePath = join(dir, "runs.db");
    store = createRunStore({ sqlitePath: storePath });
    await store.migrate();
    services = createAgentServices({
      config: SandcasterConfigSchema.parse({
        sandboxProvider: "docker",
        docker: { image: TEST_IMAGE },
        agentPool: { size: 2, maxAgeSecs: 600 },
      }),
      env,
      logger: pino({ level: "silent" }),
      store,
    });
    t = await startTestServer({
      sandbox: "docker",
      turns: [],
      storePath,
      appDeps: services.appDeps,
    });
    const agents = services.appDeps.agents?.service;
    if (!agents) throw new Error("no agent service");
    await deploy(t.url, { name: "warm", entrypoint: "node index.js" }, await archiveOf(CODE));
    expect(await agents.settled("warm")).toMatchObject({ status: "active" });
    expect((await invokeWait(t.url, "warm", { prompt: "x" })).output).toBe("pooled\n");
    return agents;
  }

  it("keeps agentPool.size warm sandboxes for an invoked agent", async () => {
    const agents = await serve({});
    let stats = agents.poolStats("warm");
    for (let i = 0; i < 300 && (stats?.ready ?? 0) < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      stats = agents.poolStats("warm");
    }
    expect(stats).toMatchObject({ size: 2, ready: 2 });
  }, 300_000);

  it("SANDCASTER_AGENT_POOL_SIZE=0 overrides it: no pool at all", async () => {
    const agents = await serve({ SANDCASTER_AGENT_POOL_SIZE: "0" });
    expect(agents.poolStats("warm")).toBeUndefined();
  }, 300_000);
});
