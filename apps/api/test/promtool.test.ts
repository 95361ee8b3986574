// GET /metrics, with the process metrics and every metric of ours holding samples, passes Prometheus'
// own linter (`promtool check metrics`): names, types, suffixes and help text as Prometheus wants.
import { spawn, spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../src/metrics/index.js";
import { metricsRoute } from "../src/routes/metrics.js";

const present = spawnSync("promtool", ["--version"]).status === 0;
if (!present && process.env.SANDCASTER_REQUIRE_PROMTOOL === "1") {
  throw new Error(
    "SANDCASTER_REQUIRE_PROMTOOL=1 but promtool is missing (apt-get install prometheus)",
  );
}
if (!present) console.log("skipped: promtool is not installed; apt-get install prometheus");

/** promtool's findings on `text` (empty when it passes) and its exit code. */
function promtool(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const metrics = createMetrics({
    registry: new Registry(),
    // The provider's own pool and a template's, on one provider: one series each.
    pools: () => [
      {
        provider: "docker",
        pool: "default",
        size: 2,
        ready: 1,
        warm: 1,
        creating: 1,
        hits: 3,
        misses: 1,
        failures: 0,
      },
      {
        provider: "docker",
        pool: "template:node-tools",
        size: 1,
        ready: 1,
        warm: 1,
        creating: 0,
        hits: 2,
        misses: 0,
        failures: 0,
      },
    ],
  });
  metrics.runStarted({ provider: "anthropic", sandbox: "local" });
  metrics.runFinished({
    provider: "anthropic",
    sandbox: "local",
    status: "completed",
    durationSecs: 2.5,
    usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 1 },
    costUsd: 0.002,
  });
  metrics.sandboxAcquired({ sandbox: "local", seconds: 0.04 });
  metrics.setActiveRuns(1);
  metrics.setQueuedRuns(0);
  metrics.sseClientConnected();
  const app = new Hono();
  app.route("/", metricsRoute(metrics));
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  await close?.();
});

describe.skipIf(!present)("promtool check metrics", () => {
  it("passes on /metrics, process metrics included", async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    // The things promtool is asked to judge are there: our own and the process metrics.
    expect(text).toContain("# TYPE sandcaster_runs_started_total counter");
    expect(text).toContain("# TYPE sandcaster_process_cpu_user_seconds_total counter");
    expect(text).toMatch(/^sandcaster_nodejs_eventloop_lag_seconds /m);
    expect(text).toContain('sandcaster_pool_hits_total{sandbox="docker",pool="default"} 3');
    expect(text).toContain(
      'sandcaster_pool_hits_total{sandbox="docker",pool="template:node-tools"} 2',
    );
    const { code, output } = await promtool(text);
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("can fail: a gauge named like a counter is reported", async () => {
    const { code, output } = await promtool(
      "# HELP x_total A gauge.\n# TYPE x_total gauge\nx_total 1\n",
    );
    expect(code).not.toBe(0);
    expect(output).toContain('non-counter metrics should not have "_total" suffix');
  });
});
