// The example agent (one npm dependency from a local tarball) deployed and invoked end to end on
// local (bubblewrap) and on the E2B double, as on docker in agents.test.ts: the template is built
// by that provider's builder, output streamed, the secret in the agent's env and in no event or
// stored event, a failing agent ends with AGENT_FAILED.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBwrap } from "@sandcaster/core";
import { type E2BDouble, startE2BDouble } from "@sandcaster/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentFixture, agentFixture } from "./agent-fixture.js";
import { call, deploy, exampleArchive, invokeWait } from "./agent-requests.js";
import { startTestServer, type TestServer } from "./harness.js";
import { readEvents } from "./sse.js";

const required = process.env.SANDCASTER_REQUIRE_BWRAP === "1";
const bwrap = await checkBwrap(undefined, process.execPath);
if (!bwrap.ok && !required) {
  console.log(
    "bubblewrap missing: agents on local and the E2B double are skipped (apt-get install bubblewrap)",
  );
}
const SECRET = "provider-token-0b7d3e61";
const MANIFEST = {
  name: "echo-agent",
  entrypoint: "node index.js",
  limits: { timeoutSecs: 60 },
  secrets: ["EXAMPLE_TOKEN"],
};

for (const kind of ["local", "e2b"] as const) {
  describe.skipIf(!bwrap.ok && !required)(`the example agent on ${kind}`, () => {
    let dir: string;
    let double: E2BDouble | undefined;
    let t: TestServer;
    let fixture: AgentFixture;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `sandcaster-agents-${kind}-`));
      const storePath = join(dir, "runs.db");
      if (kind === "e2b") double = await startE2BDouble();
      fixture = await agentFixture({
        agentBase: double ? { e2b: double } : { local: dir },
        storePath,
      });
      t = await startTestServer({
        sandbox: kind,
        ...(kind === "local" ? { localIsolation: "bwrap" as const } : {}),
        ...(double ? { e2b: double } : {}),
        turns: [],
        appDeps: fixture.appDeps,
        storePath,
      });
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await fixture?.close();
      await double?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("deploys with its dependency, invokes, keeps the secret out of events, fails with AGENT_FAILED", async () => {
      await deploy(t.url, MANIFEST, await exampleArchive());
      const info = await fixture.agents.settled("echo-agent");
      expect(info, JSON.stringify(info.versions)).toMatchObject({ status: "active" });
      const hello = await call(t.url, "POST", "/agents/echo-agent/invoke", { prompt: "hello" });
      const events = await readEvents(hello);
      expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "HELLO!\n" });
      const record = (await (
        await call(t.url, "GET", `/runs/${hello.headers.get("x-run-id")}`)
      ).json()) as Record<string, unknown>;
      expect(record).toMatchObject({ kind: "agent", status: "completed", sandboxProvider: kind });

      const put = await call(t.url, "PUT", "/agents/echo-agent/secrets/EXAMPLE_TOKEN", {
        value: SECRET,
      });
      expect(put.status).toBe(204);
      const digest = createHash("sha256").update(SECRET).digest("hex");
      expect((await invokeWait(t.url, "echo-agent", { prompt: "secret" })).output).toBe(
        `token set: true; sha256: ${digest}\n`,
      );
      const leak = await call(t.url, "POST", "/agents/echo-agent/invoke", { prompt: "leak" });
      const runId = leak.headers.get("x-run-id") ?? "";
      const leaked = await readEvents(leak);
      expect(leaked.at(-1)?.data.type).toBe("result");
      expect(JSON.stringify(leaked)).not.toContain(SECRET);
      expect(JSON.stringify(await t.store.readEvents(runId, 0, 1000))).not.toContain(SECRET);

      const failed = await invokeWait(t.url, "echo-agent", { prompt: "fail now" });
      expect(failed).toMatchObject({ exitCode: 3, error: { code: "AGENT_FAILED" } });
    }, 300_000);
  });
}
