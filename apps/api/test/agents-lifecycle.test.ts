// An agent's lifecycle on docker through real HTTP, its store a SQLite file restarted under it:
// versions (an invocation in flight finishes on its version while the next one serves new ones),
// rollback, build logs per version, key rotation across restarts, and delete.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { AgentLogs, AgentVersionInfo, RotateSecretsResult } from "@sandcaster/protocol";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentFixture, agentFixture } from "./agent-fixture.js";
import { archiveOf, call, deploy, getAgent, invokeWait } from "./agent-requests.js";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { expectNoLeftovers, shouldRunDocker } from "./leftovers.js";
import { removeTemplateImages } from "./template-fixture.js";

const enabled = await shouldRunDocker();
const run = promisify(execFile);
const NAME = "lifecycle";
const TOKEN = "lifecycle-token-8d2e41c0";
const OTHER = "lifecycle-other-17ab93f5";

/** The agent's code; `version` is baked in, so each is a different template. */
function code(version: number): Record<string, string> {
  return {
    "index.js": `
const { createHash } = require("node:crypto");
const { existsSync } = require("node:fs");
const digest = (v) => createHash("sha256").update(v ?? "").digest("hex");
let prompt = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { prompt += chunk; });
process.stdin.on("end", () => {
  if (prompt === "wait") {
    // Held until the test creates /tmp/go in this very sandbox.
    process.stdout.write("waiting\\n");
    const timer = setInterval(() => {
      if (existsSync("/tmp/go")) { clearInterval(timer); process.stdout.write("v${version}\\n"); }
    }, 50);
    return;
  }
  if (prompt === "secrets") {
    process.stdout.write(digest(process.env.TOKEN) + " " + digest(process.env.OTHER) + "\\n");
    return;
  }
  process.stdout.write("v${version}: " + prompt + "\\n");
});
`,
  };
}

const digest = (value: string) => createHash("sha256").update(value).digest("hex");

/** An SSE response read event by event, without cancelling it. */
function eventReader(response: Response) {
  if (!response.body) throw new Error("no body");
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const seen: { type: string; content?: string; [key: string]: unknown }[] = [];
  return {
    seen,
    async until(match: (event: (typeof seen)[number]) => boolean) {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended first: ${JSON.stringify(seen)}`);
        const event = JSON.parse(value.data);
        seen.push(event);
        if (match(event)) return event;
      }
    },
  };
}

describe.skipIf(!enabled)("agent versions, rollback, logs, rotation, delete (docker)", () => {
  let dir: string;
  let storePath: string;
  let t: TestServer | undefined;
  let fixture: AgentFixture | undefined;
  const templateIds = new Set<string>();
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const k3 = randomBytes(32);

  /** (Re)starts "the server" on the same database with these keys. */
  async function start(keys: { current: Buffer; previous?: Buffer[] }) {
    await stop();
    fixture = await agentFixture({ agentBase: TEST_IMAGE, storePath, keys });
    t = await startTestServer({
      sandbox: "docker",
      turns: [],
      appDeps: fixture.appDeps,
      storePath,
    });
    return t;
  }
  async function stop() {
    for (const info of fixture?.templates.templates.list() ?? []) templateIds.add(info.id);
    await t?.close();
    await fixture?.close();
    t = undefined;
    fixture = undefined;
  }
  const server = () => t as TestServer;
  const agents = () => (fixture as AgentFixture).agents;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-agents-lifecycle-"));
    storePath = join(dir, "runs.db");
    await start({ current: k1 });
  });
  afterAll(async () => {
    await stop();
    await removeTemplateImages([...templateIds]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("deploys version 1 and shows its build log, as SSE and as JSON", async () => {
    const first = await deploy(
      server().url,
      { name: NAME, entrypoint: "node index.js" },
      await archiveOf(code(1)),
    );
    expect(first.versions).toMatchObject([{ version: 1, status: "building" }]);
    const settled = await agents().settled(NAME);
    expect(settled).toMatchObject({ activeVersion: 1, status: "active" });
    expect((await invokeWait(server().url, NAME, { prompt: "hi" })).output).toBe("v1: hi\n");

    const sse = await call(server().url, "GET", `/agents/${NAME}/logs?version=1`);
    expect(sse.headers.get("content-type")).toContain("text/event-stream");
    const text = await sse.text();
    expect(text).toContain("event: log");
    const status = text.split("\n").find((line) => line.startsWith('data: {"version"'));
    expect(JSON.parse(status?.slice(6) ?? "{}") as AgentVersionInfo).toMatchObject({
      version: 1,
      status: "active",
    });
    const json = (await (
      await fetch(new URL(`/agents/${NAME}/logs?version=1`, server().url), {
        headers: { accept: "application/json" },
      })
    ).json()) as AgentLogs;
    expect(json).toMatchObject({ version: 1, status: "active" });
    expect(json.lines.length).toBeGreaterThan(0);
    const bad = await call(server().url, "GET", `/agents/${NAME}/logs?version=zero`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ details: [{ field: "version" }] });
    expect((await call(server().url, "GET", `/agents/${NAME}/logs?version=7`)).status).toBe(404);
  }, 300_000);

  it("a redeploy is version 2; an invocation in flight finishes on version 1", async () => {
    const held = await call(server().url, "POST", `/agents/${NAME}/invoke`, { prompt: "wait" });
    const runId = held.headers.get("x-run-id") ?? "";
    const events = eventReader(held);
    await events.until((e) => e.type === "stdout" && e.content === "waiting\n");

    await deploy(
      server().url,
      { name: NAME, entrypoint: "node index.js" },
      await archiveOf(code(2)),
    );
    expect(await agents().settled(NAME)).toMatchObject({ activeVersion: 2 });
    expect((await invokeWait(server().url, NAME, { prompt: "hi" })).output).toBe("v2: hi\n");

    // Now let the held one go: it still runs version 1's code in its own sandbox.
    const record = (await (await call(server().url, "GET", `/runs/${runId}`)).json()) as {
      sandboxId: string;
    };
    await run("docker", ["exec", record.sandboxId, "touch", "/tmp/go"]);
    const end = await events.until((e) => e.type === "result" || e.type === "error");
    expect(end).toMatchObject({ type: "result", content: "waiting\nv1\n" });
    expect(await expectNoLeftovers(runId)).toEqual([]);
  }, 300_000);

  it("rolls back to version 1; refuses unknown, unbuilt and malformed versions", async () => {
    const rolled = await call(server().url, "POST", `/agents/${NAME}/rollback`, { version: 1 });
    expect(rolled.status).toBe(200);
    expect(await rolled.json()).toMatchObject({ activeVersion: 1 });
    expect((await invokeWait(server().url, NAME, { prompt: "hi" })).output).toBe("v1: hi\n");

    const unknown = await call(server().url, "POST", `/agents/${NAME}/rollback`, { version: 9 });
    expect(unknown.status).toBe(404);
    const malformed = await call(server().url, "POST", `/agents/${NAME}/rollback`, {
      version: "1",
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ details: [{ field: "version" }] });

    // Version 3's install step fails (no pip in the image): it never becomes the active one.
    await deploy(
      server().url,
      { name: NAME, entrypoint: "node index.js" },
      await archiveOf({ ...code(3), "requirements.txt": "left-pad\n" }),
    );
    const settled = await agents().settled(NAME);
    expect(settled.activeVersion).toBe(1);
    expect(settled.versions[2]).toMatchObject({ version: 3, status: "failed" });
    expect(settled.versions[2]?.failure?.message).toBeTruthy();
    const unbuilt = await call(server().url, "POST", `/agents/${NAME}/rollback`, { version: 3 });
    expect(unbuilt.status).toBe(409);
    expect(await unbuilt.json()).toMatchObject({ code: "NOT_READY" });
  }, 300_000);

  it("survives restarts; secrets sealed under an old key open with it as a previous key, and rotate", async () => {
    for (const [key, value] of [
      ["TOKEN", TOKEN],
      ["OTHER", OTHER],
    ]) {
      const put = await call(server().url, "PUT", `/agents/${NAME}/secrets/${key}`, { value });
      expect(put.status).toBe(204);
    }
    const expected = `${digest(TOKEN)} ${digest(OTHER)}\n`;

    // Restart with a new key, the old one as previous: the route re-seals both under the new one.
    await start({ current: k2, previous: [k1] });
    const restarted = await getAgent(server().url, NAME);
    expect(restarted).toMatchObject({ activeVersion: 1, secrets: { set: ["OTHER", "TOKEN"] } });
    expect(restarted.versions.map((v) => v.status)).toEqual(["active", "active", "failed"]);
    const logs = (await (
      await fetch(new URL(`/agents/${NAME}/logs?version=3`, server().url), {
        headers: { accept: "application/json" },
      })
    ).json()) as AgentLogs;
    expect(logs).toMatchObject({ version: 3, status: "failed" });
    expect(logs.lines.length).toBeGreaterThan(0);
    const rotate = async () =>
      (await (
        await call(server().url, "POST", "/agents/secrets/rotate")
      ).json()) as RotateSecretsResult;
    expect(await rotate()).toEqual({ rotated: 2, current: 0, unreadable: [] });
    expect(await rotate()).toEqual({ rotated: 0, current: 2, unreadable: [] });
    expect((await invokeWait(server().url, NAME, { prompt: "secrets" })).output).toBe(expected);

    // Next rotation: an invocation re-seals what only the previous key opens, as it reads it.
    await start({ current: k3, previous: [k2] });
    const before = (await fixture?.store.agents?.get(NAME))?.secrets.map((s) => s.sealed);
    expect((await invokeWait(server().url, NAME, { prompt: "secrets" })).output).toBe(expected);
    const after = (await fixture?.store.agents?.get(NAME))?.secrets.map((s) => s.sealed);
    expect(after).not.toEqual(before);
    expect(await rotate()).toEqual({ rotated: 0, current: 2, unreadable: [] });

    // The previous key can go now; a server with an unrelated key cannot open them and says so.
    await start({ current: k3 });
    expect((await invokeWait(server().url, NAME, { prompt: "secrets" })).output).toBe(expected);
    await start({ current: randomBytes(32) });
    expect(await rotate()).toEqual({
      rotated: 0,
      current: 0,
      unreadable: [`${NAME}/OTHER`, `${NAME}/TOKEN`],
    });
    const refused = await call(server().url, "POST", `/agents/${NAME}/invoke`, { prompt: "x" });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(await refused.json())).not.toContain(TOKEN);
  }, 300_000);

  it("deletes the agent: 404 after, for every route", async () => {
    const deleted = await call(server().url, "DELETE", `/agents/${NAME}`);
    expect(deleted.status).toBe(204);
    for (const [method, path] of [
      ["GET", `/agents/${NAME}`],
      ["DELETE", `/agents/${NAME}`],
      ["GET", `/agents/${NAME}/logs`],
      ["GET", `/agents/${NAME}/secrets`],
      ["POST", `/agents/${NAME}/invoke`],
    ] as const) {
      const response = await call(
        server().url,
        method,
        path,
        method === "POST" ? { prompt: "x" } : undefined,
      );
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const list = (await (await call(server().url, "GET", "/agents")).json()) as {
      agents: unknown[];
    };
    expect(list.agents).toEqual([]);
    expect(await fixture?.store.agents?.get(NAME)).toBeUndefined();
  }, 60_000);
});
