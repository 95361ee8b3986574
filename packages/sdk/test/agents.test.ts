// client.agents against a real server with custom agents on docker, deploying examples/echo-agent:
// the build followed to active, invoke as a typed event stream and as ?wait=true JSON, a secret
// that reaches the agent and never comes back, a failing agent, leaving a stream (the sandbox is
// destroyed), logs, rollback, delete, and refusals as typed errors naming the field.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { hasService } from "@sandcaster/testkit/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentInfo,
  BadRequestError,
  createClient,
  isKnownEvent,
  NotFoundError,
  RunFailedError,
  type SandcasterClient,
  type SandcasterEvent,
} from "../src/index.js";
import { type AgentsServer, echoAgentArchive, startAgentsServer } from "./agents-fixture.js";
import { eventually } from "./harness.js";

const run = promisify(execFile);
const enabled = hasService("docker");
const MANIFEST = {
  name: "echo-agent",
  entrypoint: "node index.js",
  limits: { timeoutSecs: 60 },
  secrets: ["EXAMPLE_TOKEN"],
};
const SECRET = "sdk-secret-7d41c0";

/** The agent once `version` stopped building. */
async function settled(client: SandcasterClient, version: number): Promise<AgentInfo> {
  return eventually(async () => {
    const info = await client.agents.get(MANIFEST.name);
    const status = info.versions.find((v) => v.version === version)?.status;
    return status && status !== "building" ? info : undefined;
  }, 300_000);
}

async function containersOf(runId: string): Promise<string> {
  const { stdout } = await run("docker", [
    "ps",
    "-aq",
    "--filter",
    `label=sandcaster.run-id=${runId}`,
  ]);
  return stdout.trim();
}

describe.skipIf(!enabled)("client.agents on docker", () => {
  let server: AgentsServer;
  let client: SandcasterClient;

  beforeAll(async () => {
    server = await startAgentsServer();
    client = createClient({ baseUrl: server.t.url, timeoutMs: 120_000 });
    const deployed = await client.agents.deploy({
      manifest: MANIFEST,
      archive: await echoAgentArchive(),
    });
    expect(deployed).toMatchObject({ name: "echo-agent", status: "building" });
    const info = await settled(client, 1);
    expect(info.versions[0]?.failure).toBeUndefined();
    expect(info).toMatchObject({ status: "active", activeVersion: 1 });
  }, 360_000);
  afterAll(async () => {
    await server?.close();
  }, 120_000);

  it("lists and gets the agent; an unknown one is a NotFoundError", async () => {
    const agents = await client.agents.list();
    expect(agents.map((a) => a.name)).toEqual(["echo-agent"]);
    expect(agents[0]).toMatchObject({ entrypoint: ["node", "index.js"], activeVersion: 1 });
    const missing = await client.agents.get("no-such-agent").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
  });

  it("invoke streams typed events: stdout live, then the whole stdout in the result", async () => {
    const stream = client.agents.invoke("echo-agent", { prompt: "hello world" });
    const events: SandcasterEvent[] = [];
    for await (const event of stream) if (isKnownEvent(event)) events.push(event);
    expect(events[0]).toMatchObject({ type: "system", subtype: "init" });
    const stdout = events.flatMap((e) => (e.type === "stdout" ? [e.content] : []));
    expect(stdout.join("")).toBe("HELLO WORLD!\n");
    expect(events.at(-1)).toMatchObject({ type: "result", content: "HELLO WORLD!\n", exitCode: 0 });
    const record = await client.runs.get(stream.runId ?? "");
    expect(record).toMatchObject({ kind: "agent", status: "completed" });
  }, 120_000);

  it("a secret reaches the agent's env; set, list (names only) and delete", async () => {
    await client.agents.secrets.set("echo-agent", "EXAMPLE_TOKEN", SECRET);
    const answer = await client.agents.invokeWait("echo-agent", { prompt: "secret" });
    const digest = createHash("sha256").update(SECRET).digest("hex");
    expect(answer).toMatchObject({ exitCode: 0, output: `token set: true; sha256: ${digest}\n` });
    const listed = await client.agents.secrets.list("echo-agent");
    expect(listed.secrets.map((s) => s.name)).toEqual(["EXAMPLE_TOKEN"]);
    const info = await client.agents.get("echo-agent");
    for (const text of [JSON.stringify(listed), JSON.stringify(info)])
      expect(text).not.toContain(SECRET);
    await client.agents.secrets.delete("echo-agent", "EXAMPLE_TOKEN");
    expect((await client.agents.secrets.list("echo-agent")).secrets).toEqual([]);
    const again = await client.agents.secrets
      .delete("echo-agent", "EXAMPLE_TOKEN")
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(NotFoundError);
  }, 120_000);

  it("a failing agent: an AGENT_FAILED error event, RunFailedError, exit code in the JSON", async () => {
    const stream = client.agents.invoke("echo-agent", { prompt: "fail now" });
    const failed = await stream.finalResult().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RunFailedError);
    expect((failed as RunFailedError).code).toBe("AGENT_FAILED");
    expect((failed as RunFailedError).exitCode).toBe(3);
    expect((failed as RunFailedError).message).toContain("asked to fail (fail now)");
    const waited = await client.agents.invokeWait("echo-agent", { prompt: "fail again" });
    expect(waited).toMatchObject({ exitCode: 3, error: { code: "AGENT_FAILED" } });
  }, 120_000);

  it("leaving the stream cancels the invocation: its container is gone", async () => {
    const controller = new AbortController();
    const stream = client.agents.invoke(
      "echo-agent",
      { prompt: "hang" },
      { signal: controller.signal },
    );
    for await (const event of stream) {
      if (event.type === "stdout") break;
    }
    const runId = stream.runId ?? "";
    expect(runId).toMatch(/^run_/);
    const record = await eventually(async () => {
      const r = await client.runs.get(runId);
      return r.status === "running" ? undefined : r;
    }, 60_000);
    expect(record.status).toBe("cancelled");
    expect(
      await eventually(async () => ((await containersOf(runId)) === "" ? true : undefined)),
    ).toBe(true);
  }, 120_000);

  it("logs a version's build; rolls back to it after a redeploy; deletes the agent", async () => {
    const logs = await client.agents.logs("echo-agent", { version: 1 });
    expect(logs).toMatchObject({ version: 1, status: "active" });
    expect(logs.lines.length).toBeGreaterThan(0);

    const second = await client.agents.deploy({
      manifest: { ...MANIFEST, entrypoint: ["node", "index.js"] },
      archive: await echoAgentArchive(),
    });
    const version = Math.max(...second.versions.map((v) => v.version));
    expect(version).toBe(2);
    expect((await settled(client, 2)).activeVersion).toBe(2);
    const rolled = await client.agents.rollback("echo-agent", 1);
    expect(rolled.activeVersion).toBe(1);
    const waited = await client.agents.invokeWait("echo-agent", { prompt: "after rollback" });
    expect(waited.output).toBe("AFTER ROLLBACK!\n");

    await client.agents.delete("echo-agent");
    expect(await client.agents.get("echo-agent").catch((e: unknown) => e)).toBeInstanceOf(
      NotFoundError,
    );
  }, 360_000);

  it("refuses a bad manifest with a BadRequestError naming the field", async () => {
    const error = await client.agents
      .deploy({
        manifest: { name: "Bad Name", entrypoint: "node index.js" },
        archive: await echoAgentArchive(),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).details.map((d) => d.field)).toContain("manifest.name");
  });
});
