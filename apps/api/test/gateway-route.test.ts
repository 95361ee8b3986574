// /gateway/<provider>/… on the public app (remote sandboxes): the real runner bundle reaches the
// model double through it with only the run's token, and /metrics counts the call.
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { GatewayRegistry, openRunGateway, runnerBundlePath } from "@sandcaster/core";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { Registry } from "prom-client";
import { afterEach, beforeEach, expect, it } from "vitest";
import { registerGatewayMetrics } from "../src/metrics/gateway-metrics.js";
import { gatewayRoute } from "../src/routes/gateway.js";

const KEY = "sk-ant-route-key";
let server: ReturnType<typeof serve>;
let origin: string;
let registry: GatewayRegistry;
let double: ModelDouble;
let dir: string;

beforeEach(async () => {
  registry = new GatewayRegistry();
  dir = await mkdtemp(join(tmpdir(), "sandcaster-gw-route-"));
  await new Promise<void>((resolve) => {
    server = serve({ fetch: gatewayRoute(registry).fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(),
    );
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await double?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function runRunner(config: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  return (async () => {
    const workspace = join(dir, "workspace");
    await mkdir(workspace);
    await copyFile(runnerBundlePath(), join(dir, "runner.mjs"));
    await writeFile(join(dir, "config.json"), JSON.stringify({ cwd: workspace, ...config }));
    const child = spawn(
      process.execPath,
      [join(dir, "runner.mjs"), "--config", join(dir, "config.json")],
      {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    await new Promise((resolve) => child.on("close", resolve));
    return out
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  })();
}

it("serves a remote runner's calls by token, metered and counted on /metrics", async () => {
  const metrics = new Registry();
  const unsubscribe = registerGatewayMetrics(metrics, "sandcaster_", registry);
  double = await startAnthropicDouble({
    turns: [{ text: "remote hello", usage: { inputTokens: 2000, outputTokens: 100 } }],
  });
  const gateway = await openRunGateway({
    runId: "run-remote",
    provider: "anthropic",
    upstream: { baseUrl: double.url, key: KEY },
    publicUrl: `${origin}/gateway`,
    registry,
  });
  const lines = await runRunner({
    prompt: "hi",
    provider: "anthropic",
    model: "claude-sonnet-4-6",
    gateway: gateway.runner,
    limits: { modelRetries: 0 },
  });
  expect(lines.filter((l) => l.type === "result")).toEqual([
    expect.objectContaining({ content: "remote hello" }),
  ]);
  expect(double.requests[0]?.headers["x-api-key"]).toBe(KEY);
  expect(gateway.usage()).toMatchObject({ inputTokens: 2000, outputTokens: 100 });
  const text = await metrics.metrics();
  expect(text).toContain(
    'sandcaster_gateway_calls_total{provider="anthropic",model="claude-sonnet-4-6",status="2xx"} 1',
  );
  expect(text).toContain(
    'sandcaster_gateway_tokens_total{provider="anthropic",model="claude-sonnet-4-6",kind="input"} 2000',
  );
  expect(text).toMatch(
    /sandcaster_gateway_cost_usd_total\{provider="anthropic",model="claude-sonnet-4-6"\} 0\.0075/,
  );
  expect(text).toMatch(/sandcaster_gateway_added_latency_seconds_count\{provider="anthropic"\} 1/);

  // Revoked with the run: the same token is refused afterwards.
  await gateway.close();
  const after = await fetch(`${origin}/gateway/anthropic/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": gateway.token, "content-type": "application/json" },
    body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [] }),
  });
  expect(after.status).toBe(401);
  expect(await after.text()).toContain("GATEWAY_UNAUTHORIZED");
  unsubscribe();
});

it("labels a model outside the price table as other", async () => {
  const metrics = new Registry();
  registerGatewayMetrics(metrics, "sandcaster_", registry);
  double = await startAnthropicDouble({ turns: [{ text: "x" }] });
  const gateway = await openRunGateway({
    runId: "run-odd",
    provider: "anthropic",
    upstream: { baseUrl: double.url, key: KEY },
    publicUrl: `${origin}/gateway`,
    registry,
  });
  const answer = await fetch(`${origin}/gateway/anthropic/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": gateway.token, "content-type": "application/json" },
    body: JSON.stringify({
      model: "a-model-made-up-by-the-agent",
      max_tokens: 10,
      messages: [],
      stream: true,
    }),
  });
  expect(answer.status).toBe(200);
  await answer.text();
  await gateway.close();
  expect(await metrics.metrics()).toContain('model="other",status="2xx"} 1');
});
