// A server that stops while an agent builds leaves its version `building` with nobody building it.
// The next server on the same database takes the build over (what `serve` does at start): the
// version builds, becomes active and is invoked there; the instance that stopped ending it later
// (failed, as its build is aborted) changes nothing, and a build is never taken over twice.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentFixture, agentFixture } from "./agent-fixture.js";
import { archiveOf, deploy, getAgent, invokeWait } from "./agent-requests.js";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { shouldRunDocker } from "./leftovers.js";
import { removeTemplateImages } from "./template-fixture.js";

const enabled = await shouldRunDocker();
const NAME = "resumed";

const CODE = {
  "index.js": `
let prompt = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { prompt += chunk; });
process.stdin.on("end", () => process.stdout.write("resumed: " + prompt + "\\n"));
`,
};

describe.skipIf(!enabled)("an agent build a stopped server left unfinished (docker)", () => {
  let dir: string;
  let storePath: string;
  const servers: TestServer[] = [];
  const fixtures: AgentFixture[] = [];

  async function instance(holdBuilds: boolean) {
    const fixture = await agentFixture({ agentBase: TEST_IMAGE, storePath, holdBuilds });
    fixtures.push(fixture);
    const server = await startTestServer({
      sandbox: "docker",
      turns: [],
      appDeps: fixture.appDeps,
      storePath,
    });
    servers.push(server);
    return { fixture, server };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-agents-resume-"));
    storePath = join(dir, "runs.db");
  });
  afterAll(async () => {
    const ids = fixtures.flatMap((f) => f.templates.templates.list().map((info) => info.id));
    for (const server of servers) await server.close();
    for (const fixture of fixtures) await fixture.close();
    await removeTemplateImages(ids);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the next server builds it, runs it, and the stopped one's late end changes nothing", async () => {
    const stopped = await instance(true);
    const deployed = await deploy(
      stopped.server.url,
      { name: NAME, entrypoint: "node index.js" },
      await archiveOf(CODE),
    );
    expect(deployed).toMatchObject({ status: "building" });

    const next = await instance(false);
    expect(await getAgent(next.server.url, NAME)).toMatchObject({ status: "building" });
    expect(await next.fixture.agents.resumeBuilds()).toBe(1);
    expect(await next.fixture.agents.resumeBuilds()).toBe(0);
    const built = await next.fixture.agents.settled(NAME);
    expect(built).toMatchObject({ status: "active", activeVersion: 1 });
    expect((await invokeWait(next.server.url, NAME, { prompt: "hi" })).output).toBe(
      "resumed: hi\n",
    );

    // The stopped instance's held build is aborted as it closes: it ends the version `failed`.
    servers.splice(servers.indexOf(stopped.server), 1);
    fixtures.splice(fixtures.indexOf(stopped.fixture), 1);
    await stopped.server.close();
    await stopped.fixture.close();
    const after = await getAgent(next.server.url, NAME);
    expect(after).toMatchObject({ status: "active", activeVersion: 1 });
    expect(after.versions.map((v) => v.status)).toEqual(["active"]);
  }, 300_000);
});
