// The real `sandcaster serve` process on SIGTERM: it keeps listening through the grace period, so
// load balancers see /ready 503 and new /query calls get 503 SHUTTING_DOWN, as the docs say.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startServe } from "./cli-process.js";
import { readUntil } from "./helpers.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-cli-drain-"));
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

it("SIGTERM: keeps listening while a run drains, answering /ready and /query with 503", async () => {
  double = await startAnthropicDouble({
    host: "127.0.0.1",
    turns: [{ toolCalls: [{ name: "bash", input: { command: "sleep 120" } }] }, { text: "never" }],
  });
  const config = join(dir, "sandcaster.json");
  await writeFile(config, JSON.stringify({ sandboxProvider: "local" }));
  const env = {
    ANTHROPIC_API_KEY: "sk-ant-cli-test",
    ANTHROPIC_BASE_URL: double.url,
    SANDCASTER_DB: join(dir, "runs.db"),
  };
  const server = await startServe(["--config", config, "--grace", "60"], env, dir);
  const response = await fetch(`${server.url}/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "sleep" }),
  });
  const runId = response.headers.get("x-run-id") ?? "";
  const reading = readUntil(response, "tool_use");
  await reading.reached;
  expect((await fetch(`${server.url}/ready`)).status).toBe(200);

  server.child.kill("SIGTERM");
  // Until the signal is handled /ready may still say 200; a refused connection fails the test.
  let ready = await fetch(`${server.url}/ready`);
  for (let i = 0; ready.status === 200 && i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    ready = await fetch(`${server.url}/ready`);
  }
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ status: "draining" });

  const refused = await fetch(`${server.url}/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "too late" }),
  });
  expect(refused.status).toBe(503);
  expect(refused.headers.get("retry-after")).toBe("1");
  expect(await refused.json()).toMatchObject({ code: "SHUTTING_DOWN" });
  // The drain is still waiting for the run (grace 60 s): ending it lets the server exit.
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
  expect((await fetch(`${server.url}/runs/${runId}/cancel`, { method: "POST" })).status).toBe(202);
  const events = await reading.all;
  expect(events.at(-1)).toMatchObject({ type: "error", code: "CANCELLED" });
  expect(await server.exited).toBe(0);
  expect(server.logs()).not.toContain("sk-ant-cli-test");
}, 60_000);
