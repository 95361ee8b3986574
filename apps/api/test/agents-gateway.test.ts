// An agent's model calls on docker go through the run's model gateway: its process gets a base URL
// and the run's token (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY=<token>), never the server's key; the
// gateway swaps the token for the key on the way to the model double. The invoke's `files` reach
// the workspace, and what the agent writes there comes back as `file` events.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentFixture, agentFixture } from "./agent-fixture.js";
import { archiveOf, call, deploy } from "./agent-requests.js";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { expectNoLeftovers, shouldRunDocker } from "./leftovers.js";
import { readEvents } from "./sse.js";
import { removeTemplateImages } from "./template-fixture.js";

const enabled = await shouldRunDocker();
const SERVER_KEY = "sk-ant-test-secret-key";

/** An agent calling its model with plain fetch, as an SDK would with these variables. */
const MODEL_AGENT = `
const { readFileSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
let prompt = "";
process.stdin.on("data", (chunk) => { prompt += chunk; });
process.stdin.on("end", async () => {
  const workspace = process.env.SANDCASTER_WORKSPACE;
  const question = readFileSync(join(workspace, "question.txt"), "utf8").trim();
  const response = await fetch(process.env.ANTHROPIC_BASE_URL + "/v1/messages", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-api-key": process.env.ANTHROPIC_API_KEY,
    },
    body: JSON.stringify({
      model: "claude-test-1",
      max_tokens: 64,
      messages: [{ role: "user", content: prompt + " " + question }],
    }),
  });
  const body = await response.json();
  const text = body.content?.[0]?.text ?? JSON.stringify(body);
  writeFileSync(join(workspace, "answer.txt"), text);
  // Printing its token on purpose: the server must redact it like a secret.
  process.stdout.write("status " + response.status + ": " + text + "\\n");
  process.stdout.write("my key is " + process.env.ANTHROPIC_API_KEY + "\\n");
});
`;

describe.skipIf(!enabled)("an agent's model calls through the gateway (docker)", () => {
  let dir: string;
  let t: TestServer;
  let fixture: AgentFixture;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-agents-gateway-"));
    const storePath = join(dir, "runs.db");
    fixture = await agentFixture({ agentBase: TEST_IMAGE, storePath });
    t = await startTestServer({
      sandbox: "docker",
      turns: [{ text: "forty-two" }],
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

  it("calls the model double with a token; the key never enters; files in and out", async () => {
    await deploy(
      t.url,
      { name: "asker", entrypoint: "node index.js" },
      await archiveOf({ "index.js": MODEL_AGENT }),
    );
    expect(await fixture.agents.settled("asker")).toMatchObject({ status: "active" });
    const response = await call(t.url, "POST", "/agents/asker/invoke", {
      prompt: "answer this:",
      files: { "question.txt": "what is six times seven?" },
    });
    expect(response.status).toBe(200);
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    const end = events.at(-1)?.data;
    expect(end, JSON.stringify(events.map((e) => e.data))).toMatchObject({
      type: "result",
      exitCode: 0,
    });
    const stdout = events
      .filter((e) => e.data.type === "stdout")
      .map((e) => e.data.content)
      .join("");
    expect(stdout).toContain("status 200: forty-two\n");

    // The double got the call with the server's key (swapped in by the gateway) and the prompt.
    const [request] = t.double.requests;
    expect(request?.headers["x-api-key"]).toBe(SERVER_KEY);
    expect(JSON.stringify(request?.body)).toContain("what is six times seven?");
    // The agent saw a token, not the key; the token is redacted from what it printed.
    const printed = /my key is (.*)\n/.exec(stdout)?.[1] ?? "";
    expect(printed).not.toBe("");
    expect(printed).not.toContain(SERVER_KEY);
    expect(printed).toBe("[REDACTED]");
    const file = events.find((e) => e.data.type === "file");
    expect(file?.data).toMatchObject({ type: "file", path: "answer.txt", content: "forty-two" });
    const stored = JSON.stringify(await t.store.readEvents(runId, 0, 1000));
    expect(stored).not.toContain(SERVER_KEY);
    expect(JSON.stringify(events)).not.toContain(SERVER_KEY);
    expect(await expectNoLeftovers(runId)).toEqual([]);
  }, 300_000);
});
