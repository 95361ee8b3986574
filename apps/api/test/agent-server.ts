// A test server with custom agents whose code is a few files (no dependencies), on local
// (bubblewrap) or docker: what the agent tests that are not about building share. The agent is
// deployed and waited for through real HTTP; close() removes the server, its temp dir and images.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBwrap, type TemplateServiceOptions } from "@sandcaster/core";
import { type AgentFixture, agentFixture } from "./agent-fixture.js";
import { archiveOf, deploy } from "./agent-requests.js";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { shouldRunDocker } from "./leftovers.js";
import { removeTemplateImages } from "./template-fixture.js";

export type AgentSandbox = "local" | "docker";

/** Where agents run here: local when bubblewrap works, docker when a daemon answers. */
export async function agentCases(): Promise<{ sandbox: AgentSandbox; enabled: boolean }[]> {
  const bwrap = await checkBwrap(undefined, process.execPath);
  const requireBwrap = process.env.SANDCASTER_REQUIRE_BWRAP === "1";
  if (!bwrap.ok && !requireBwrap) {
    console.log("bubblewrap missing: agents on local are skipped (apt-get install bubblewrap)");
  }
  return [
    { sandbox: "local", enabled: bwrap.ok || requireBwrap },
    { sandbox: "docker", enabled: await shouldRunDocker() },
  ];
}

export interface AgentServer {
  /** The server's temp dir (local overlays are under `overlays/<template id>/root`). */
  dir: string;
  t: TestServer;
  fixture: AgentFixture;
  close(): Promise<void>;
}

export async function startAgentServer(
  sandbox: AgentSandbox,
  options: { wrapProvider?: TemplateServiceOptions["wrapProvider"] } = {},
): Promise<AgentServer> {
  const dir = await mkdtemp(join(tmpdir(), `sandcaster-agent-server-${sandbox}-`));
  const storePath = join(dir, "runs.db");
  let fixture: AgentFixture | undefined;
  let t: TestServer | undefined;
  const close = async () => {
    const ids = fixture?.templates.templates.list().map((info) => info.id) ?? [];
    await t?.close();
    await fixture?.close();
    if (sandbox === "docker") await removeTemplateImages(ids);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    fixture = await agentFixture({
      agentBase: sandbox === "docker" ? TEST_IMAGE : { local: dir },
      storePath,
      ...(options.wrapProvider ? { wrapProvider: options.wrapProvider } : {}),
    });
    t = await startTestServer({
      sandbox,
      ...(sandbox === "local" ? { localIsolation: "bwrap" as const } : {}),
      turns: [],
      appDeps: fixture.appDeps,
      storePath,
    });
    return { dir, t, fixture, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Deploys `files` as agent `name` (entrypoint `node index.js`) and waits until it is active. */
export async function deployFiles(
  server: AgentServer,
  name: string,
  files: Record<string, string>,
): Promise<void> {
  await deploy(server.t.url, { name, entrypoint: "node index.js" }, await archiveOf(files));
  const info = await server.fixture.agents.settled(name);
  if (info.status !== "active") throw new Error(`agent ${name}: ${JSON.stringify(info.versions)}`);
}
