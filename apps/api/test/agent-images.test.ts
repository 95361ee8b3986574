// Deleting an agent removes the docker images of its versions that no other agent's version uses,
// and keeps the ones another agent still runs from (equal code and base: one template, one image).
// Real HTTP, real docker builds and images; skipped without Docker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, invokeWait } from "./agent-requests.js";
import { type AgentServer, deployFiles, startAgentServer } from "./agent-server.js";
import { shouldRunDocker } from "./leftovers.js";
import { docker } from "./template-fixture.js";

const enabled = await shouldRunDocker();
if (!enabled) console.log("docker missing: agent image release is skipped (install Docker)");

const code = (word: string) => ({ "index.js": `process.stdout.write("${word}\\n");\n` });

async function imageExists(templateId: string): Promise<boolean> {
  return docker
    .getImage(`sandcaster-template:${templateId}`)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

describe.skipIf(!enabled)("deleting an agent on docker", () => {
  let server: AgentServer | undefined;
  beforeAll(async () => {
    server = await startAgentServer("docker");
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  }, 120_000);

  it("removes the images only it used and keeps the one another agent shares", async () => {
    const s = server as AgentServer;
    await deployFiles(s, "alpha", code("same"));
    await deployFiles(s, "beta", code("same"));
    await deployFiles(s, "alpha", code("own"));
    const versions = async (name: string) =>
      (await s.fixture.store.agents?.get(name))?.versions.map((v) => v.templateId) ?? [];
    const [shared, own] = await versions("alpha");
    expect(await versions("beta")).toEqual([shared]);
    expect(own).not.toBe(shared);
    expect([await imageExists(String(shared)), await imageExists(String(own))]).toEqual([
      true,
      true,
    ]);

    expect((await call(s.t.url, "DELETE", "/agents/alpha")).status).toBe(204);
    expect(await imageExists(String(own))).toBe(false);
    expect(await imageExists(String(shared))).toBe(true);
    expect((await invokeWait(s.t.url, "beta", { prompt: "x" })).output).toBe("same\n");

    // beta's sandbox may still be on its way out (removed after the answer): the server tries
    // again until docker lets go of the image.
    expect((await call(s.t.url, "DELETE", "/agents/beta")).status).toBe(204);
    let present = await imageExists(String(shared));
    for (let i = 0; present && i < 300; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      present = await imageExists(String(shared));
    }
    expect(present).toBe(false);

    // Deployed again, its template is built anew (the server forgot the one it removed).
    await deployFiles(s, "alpha", code("own"));
    expect(await imageExists(String(own))).toBe(true);
    expect((await invokeWait(s.t.url, "alpha", { prompt: "x" })).output).toBe("own\n");
  }, 300_000);
});
