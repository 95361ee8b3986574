// The example agent (examples/echo-agent: one npm dependency from a local tarball) deployed and
// invoked end to end on docker through real HTTP: output streamed, the run recorded as kind
// "agent", the sandbox destroyed; its secret reaches the agent's env and no event, record, route,
// log line or database file; a failing agent ends with AGENT_FAILED. Every image built is removed.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { AgentInfo, AgentInvokeResult } from "@sandcaster/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentFixture, agentFixture } from "./agent-fixture.js";
import { call, exampleArchive } from "./agent-requests.js";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { expectNoLeftovers, shouldRunDocker } from "./leftovers.js";
import { readEvents } from "./sse.js";
import { buildNpmBaseImage, docker, removeTemplateImages } from "./template-fixture.js";

const enabled = await shouldRunDocker();
const run = promisify(execFile);
const SECRET = "example-token-5f1c9a7e2b";

describe.skipIf(!enabled)("custom agents on docker", () => {
  let t: TestServer;
  let fixture: AgentFixture;
  let npmImage: string;
  let dir: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    npmImage = await buildNpmBaseImage(TEST_IMAGE);
    dir = await mkdtemp(join(tmpdir(), "sandcaster-agents-test-"));
    const storePath = join(dir, "runs.db");
    fixture = await agentFixture({ agentBase: npmImage, storePath });
    t = await startTestServer({
      sandbox: "docker",
      turns: [],
      appDeps: fixture.appDeps,
      logLines,
      storePath,
    });
    const manifest = {
      name: "echo-agent",
      entrypoint: "node index.js",
      limits: { timeoutSecs: 60 },
      secrets: ["EXAMPLE_TOKEN"],
    };
    const deployed = await call(t.url, "POST", "/agents", {
      manifest,
      archive: await exampleArchive(),
    });
    expect(deployed.status).toBe(202);
    expect(await deployed.json()).toMatchObject({ name: "echo-agent", status: "building" });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    await fixture?.close();
    await removeTemplateImages(fixture?.templates.templates.list().map((info) => info.id) ?? []);
    if (dir) await rm(dir, { recursive: true, force: true });
    if (npmImage)
      await docker
        .getImage(npmImage)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it("deploys: building, then active with its dependency installed", async () => {
    const settled = await fixture.agents.settled("echo-agent");
    expect(settled.versions[0]?.failure).toBeUndefined();
    const info = (await (await call(t.url, "GET", "/agents/echo-agent")).json()) as AgentInfo;
    expect(info).toMatchObject({
      status: "active",
      activeVersion: 1,
      entrypoint: ["node", "index.js"],
    });
  }, 300_000);

  it("invokes: prompt on stdin, stdout streamed and whole in the result, run recorded, sandbox gone", async () => {
    await fixture.agents.settled("echo-agent");
    const response = await call(t.url, "POST", "/agents/echo-agent/invoke", {
      prompt: "hello world",
    });
    expect(response.status).toBe(200);
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(events[0]?.data).toMatchObject({ type: "system", subtype: "init" });
    expect(
      events
        .filter((e) => e.data.type === "stdout")
        .map((e) => e.data.content)
        .join(""),
    ).toBe("HELLO WORLD!\n");
    expect(events.at(-1)?.data).toMatchObject({
      type: "result",
      content: "HELLO WORLD!\n",
      exitCode: 0,
    });
    const record = (await (await call(t.url, "GET", `/runs/${runId}`)).json()) as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({ kind: "agent", status: "completed", sandboxProvider: "docker" });
    expect(await expectNoLeftovers(runId)).toEqual([]);
  }, 120_000);

  it("gives the secret to the agent's env only: never in events, the store, routes or logs", async () => {
    await fixture.agents.settled("echo-agent");
    const put = await call(t.url, "PUT", "/agents/echo-agent/secrets/EXAMPLE_TOKEN", {
      value: SECRET,
    });
    expect(put.status).toBe(204);

    const digest = createHash("sha256").update(SECRET).digest("hex");
    const waited = await call(t.url, "POST", "/agents/echo-agent/invoke?wait=true", {
      prompt: "secret",
    });
    const answer = (await waited.json()) as AgentInvokeResult;
    expect(answer).toMatchObject({ exitCode: 0, output: `token set: true; sha256: ${digest}\n` });

    // The agent prints the secret on stdout and stderr: the stream and the store show it redacted.
    const leak = await call(t.url, "POST", "/agents/echo-agent/invoke", { prompt: "leak" });
    const runId = leak.headers.get("x-run-id") ?? "";
    const events = await readEvents(leak);
    expect(events.at(-1)?.data.type).toBe("result");
    expect(events.some((e) => JSON.stringify(e.data).includes("the token is"))).toBe(true);
    const stored = await t.store.readEvents(runId, 0, 1000);
    const agentInfo = await (await call(t.url, "GET", "/agents/echo-agent")).text();
    const runs = await (await call(t.url, "GET", "/runs")).text();
    // The database's files (SQLite and its write-ahead log) hold the sealed value, never the value.
    const dbFiles = (await readdir(dir)).filter((name) => name.startsWith("runs.db"));
    expect(dbFiles.length).toBeGreaterThan(0);
    const db = await Promise.all(dbFiles.map((name) => readFile(join(dir, name), "latin1")));
    expect(db.join("")).toContain("EXAMPLE_TOKEN");
    for (const text of [
      JSON.stringify(events),
      JSON.stringify(stored),
      agentInfo,
      runs,
      logLines.join("\n"),
      ...db,
    ]) {
      expect(text).not.toContain(SECRET);
    }
    expect(JSON.parse(agentInfo)).toMatchObject({
      secrets: { declared: ["EXAMPLE_TOKEN"], set: ["EXAMPLE_TOKEN"] },
    });
    expect(await expectNoLeftovers(runId)).toEqual([]);
  }, 120_000);

  it("a failing agent ends with AGENT_FAILED and its stderr tail", async () => {
    await fixture.agents.settled("echo-agent");
    const response = await call(t.url, "POST", "/agents/echo-agent/invoke", { prompt: "fail now" });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "AGENT_FAILED" });
    expect(events.at(-1)?.data.content).toContain("exited with code 3");
    expect(events.at(-1)?.data.content).toContain("asked to fail (fail now)");
    const record = (await (await call(t.url, "GET", `/runs/${runId}`)).json()) as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({ kind: "agent", status: "error", errorCode: "AGENT_FAILED" });
    const waited = (await (
      await call(t.url, "POST", "/agents/echo-agent/invoke?wait=true", { prompt: "fail again" })
    ).json()) as AgentInvokeResult;
    expect(waited).toMatchObject({ exitCode: 3, error: { code: "AGENT_FAILED" } });
    expect(await expectNoLeftovers(runId)).toEqual([]);
  }, 120_000);

  it("the agent's env holds its secrets, not the server's model key", async () => {
    await fixture.agents.settled("echo-agent");
    const answer = (await (
      await call(t.url, "POST", "/agents/echo-agent/invoke?wait=true", { prompt: "env" })
    ).json()) as AgentInvokeResult;
    expect(answer.exitCode).toBe(0);
    // The model variables are there (the gateway's URL and the run's token: agents-gateway.test.ts
    // checks their values), the server's key is not.
    const names = answer.output.trim().split(",");
    expect(names).toContain("ANTHROPIC_BASE_URL");
    expect(names).toContain("EXAMPLE_TOKEN");
    expect(answer.output).not.toContain("sk-ant-test-secret-key");
  }, 120_000);

  it("an agent that never ends is stopped at its timeout: TIMEOUT, sandbox gone", async () => {
    await fixture.agents.settled("echo-agent");
    const response = await call(t.url, "POST", "/agents/echo-agent/invoke", {
      prompt: "hang",
      // Counted from the run's start: on a loaded host the sandbox alone can take most of 5 s.
      timeout: 15,
    });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(
      events.some((e) => e.data.type === "stdout" && e.data.content === "hanging\n"),
      JSON.stringify(events.map((e) => e.data)),
    ).toBe(true);
    expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "TIMEOUT" });
    expect(await expectNoLeftovers(runId)).toEqual([]);
  }, 120_000);

  it("refuses bad input with a 4xx naming the field", async () => {
    expect((await call(t.url, "POST", "/agents/nobody/invoke", { prompt: "x" })).status).toBe(404);
    const badKey = await call(t.url, "PUT", "/agents/echo-agent/secrets/not-a-name", {
      value: "x",
    });
    expect(badKey.status).toBe(400);
    expect(await badKey.json()).toMatchObject({ details: [{ field: "key" }] });
    // A tar whose entry climbs out of the agent's directory.
    const { stdout } = await run(
      "sh",
      [
        "-c",
        'd="$(mktemp -d)" && cd "$d" && echo x > f && tar --transform \'s,^f,../escape,\' -cf - f; s=$?; rm -rf "$d"; exit $s',
      ],
      {
        encoding: "buffer",
      },
    );
    const climbing = await call(t.url, "POST", "/agents", {
      manifest: { name: "escaper", entrypoint: "node index.js" },
      archive: stdout.toString("base64"),
    });
    expect(climbing.status).toBe(400);
    expect(await climbing.json()).toMatchObject({ details: [{ field: "archive" }] });
    const noName = await call(t.url, "POST", "/agents", {
      manifest: { entrypoint: "x" },
      archive: "eA==",
    });
    expect(noName.status).toBe(400);
  }, 60_000);
});
