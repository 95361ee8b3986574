// Operations routes: /metrics (Prometheus text from createMetrics) and /ready (drain + dependency checks).
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../src/metrics/index.js";
import { metricsRoute } from "../src/routes/metrics.js";
import { availabilityCheck, type ReadyCheck, readyRoute } from "../src/routes/ready.js";

function metricsApp(metrics = createMetrics()) {
  const app = new Hono();
  app.route("/", metricsRoute(metrics));
  return { app, metrics };
}

async function scrape(app: Hono): Promise<string> {
  const res = await app.request("/metrics");
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample line, e.g. `sandcaster_sse_clients 2`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("answers the Prometheus text format with its content type", async () => {
    const { app } = metricsApp();
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("# TYPE sandcaster_runs_started_total counter");
    expect(text).toContain("# TYPE sandcaster_run_duration_seconds histogram");
    expect(text).toContain("# TYPE sandcaster_active_runs gauge");
    // Default process metrics share the registry and the prefix.
    expect(text).toContain("sandcaster_process_cpu_user_seconds_total");
    expect(text).toContain("sandcaster_nodejs_eventloop_lag_seconds");
  });

  it("reports every metric with its labels after the server's calls", async () => {
    const { app, metrics } = metricsApp();
    metrics.runStarted({ provider: "anthropic", sandbox: "docker" });
    metrics.runStarted({ provider: "anthropic", sandbox: "docker" });
    metrics.sandboxAcquired({ sandbox: "docker", seconds: 0.3 });
    metrics.runFinished({
      status: "completed",
      provider: "anthropic",
      sandbox: "docker",
      durationSecs: 42,
      usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 7 },
      costUsd: 0.25,
    });
    metrics.runFinished({ status: "error", provider: "openai", sandbox: "e2b", durationSecs: 2 });
    metrics.setActiveRuns(3);
    metrics.setQueuedRuns(1);
    const text = await scrape(app);

    const expected: [string, number][] = [
      ['runs_started_total{provider="anthropic",sandbox="docker"}', 2],
      ['runs_finished_total{status="completed",provider="anthropic",sandbox="docker"}', 1],
      ['runs_finished_total{status="error",provider="openai",sandbox="e2b"}', 1],
      ['run_duration_seconds_sum{status="completed",sandbox="docker"}', 42],
      ['run_duration_seconds_count{status="error",sandbox="e2b"}', 1],
      ['sandbox_acquire_seconds_count{sandbox="docker"}', 1],
      ["active_runs", 3],
      ["queued_runs", 1],
      ['tokens_total{kind="input",provider="anthropic"}', 100],
      ['tokens_total{kind="output",provider="anthropic"}', 20],
      ['tokens_total{kind="cache_read",provider="anthropic"}', 5],
      ['tokens_total{kind="cache_write",provider="anthropic"}', 7],
      ['cost_usd_total{provider="anthropic"}', 0.25],
    ];
    for (const [series, value] of expected)
      expect(sample(text, `sandcaster_${series}`), series).toBe(value);
    // No usage, no cost: no token or cost series for that provider.
    expect(text).not.toContain(`tokens_total{kind="input",provider="openai"}`);
    expect(text).not.toContain(`cost_usd_total{provider="openai"}`);
  });

  it("buckets run durations from 0.05 s to 1 h and sandbox acquisition from 0.01 s to 60 s", async () => {
    const { app, metrics } = metricsApp();
    metrics.runFinished({
      status: "completed",
      provider: "google",
      sandbox: "local",
      durationSecs: 7,
    });
    metrics.sandboxAcquired({ sandbox: "local", seconds: 0.02 });
    const text = await scrape(app);
    const run = (le: string) =>
      sample(
        text,
        `sandcaster_run_duration_seconds_bucket{le="${le}",status="completed",sandbox="local"}`,
      );
    expect(run("0.05")).toBe(0);
    expect(run("5")).toBe(0);
    expect(run("10")).toBe(1);
    expect(run("3600")).toBe(1);
    expect(run("+Inf")).toBe(1);
    const acquire = (le: string) =>
      sample(text, `sandcaster_sandbox_acquire_seconds_bucket{le="${le}",sandbox="local"}`);
    expect(acquire("0.01")).toBe(0);
    expect(acquire("0.025")).toBe(1);
    expect(acquire("60")).toBe(1);
    expect(acquire("+Inf")).toBe(1);
  });

  it("counts SSE clients up and down; a disconnect counts once", async () => {
    const { app, metrics } = metricsApp();
    const first = metrics.sseClientConnected();
    const second = metrics.sseClientConnected();
    expect(sample(await scrape(app), "sandcaster_sse_clients")).toBe(2);
    first();
    first();
    expect(sample(await scrape(app), "sandcaster_sse_clients")).toBe(1);
    second();
    expect(sample(await scrape(app), "sandcaster_sse_clients")).toBe(0);
  });

  it('maps unknown provider, sandbox and status values to "other" (absent ones to "none")', async () => {
    const { app, metrics } = metricsApp();
    metrics.runStarted({ provider: "evil-provider-123", sandbox: "k8s-pod-xyz" });
    metrics.runStarted({ sandbox: "docker" });
    metrics.runFinished({
      status: "weird",
      provider: "a".repeat(500),
      sandbox: "local",
      durationSecs: 1,
      costUsd: 1,
    });
    const text = await scrape(app);
    expect(sample(text, 'sandcaster_runs_started_total{provider="other",sandbox="other"}')).toBe(1);
    expect(sample(text, 'sandcaster_runs_started_total{provider="none",sandbox="docker"}')).toBe(1);
    expect(
      sample(
        text,
        'sandcaster_runs_finished_total{status="other",provider="other",sandbox="local"}',
      ),
    ).toBe(1);
    expect(sample(text, 'sandcaster_cost_usd_total{provider="other"}')).toBe(1);
    expect(text).not.toContain("evil-provider");
    expect(text).not.toContain("k8s-pod");
  });

  it("keeps two registries independent, and honours a custom prefix", async () => {
    const one = metricsApp();
    const two = metricsApp(createMetrics({ prefix: "sc2_" }));
    one.metrics.runStarted({ provider: "openai", sandbox: "local" });
    one.metrics.setActiveRuns(5);
    two.metrics.setActiveRuns(1);
    const a = await scrape(one.app);
    const b = await scrape(two.app);
    expect(one.metrics.registry).not.toBe(two.metrics.registry);
    expect(sample(a, "sandcaster_active_runs")).toBe(5);
    expect(sample(b, "sc2_active_runs")).toBe(1);
    expect(sample(a, 'sandcaster_runs_started_total{provider="openai",sandbox="local"}')).toBe(1);
    expect(b).not.toContain("sandcaster_");
    expect(b).not.toContain('provider="openai"');
    expect(b).toContain("sc2_process_cpu_user_seconds_total");
  });
});

function readyApp(checks: ReadyCheck[], options: { draining?: boolean; timeoutMs?: number } = {}) {
  const app = new Hono();
  app.route(
    "/",
    readyRoute({
      isDraining: () => options.draining ?? false,
      checks,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    }),
  );
  return app;
}

const ok = (name: string): ReadyCheck => ({ name, check: async () => undefined });

describe("GET /ready", () => {
  it("answers 200 when every check passes", async () => {
    const res = await readyApp([ok("store"), ok("sandbox")]).request("/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", checks: { store: "ok", sandbox: "ok" } });
  });

  it("answers 503 not_ready with each failing check's message", async () => {
    const fail = (message: string) => () => {
      throw new Error(message); // synchronous: must fail the check, not the route
    };
    const app = readyApp([
      ok("store"),
      { name: "docker", check: async () => Promise.reject(new Error("daemon unreachable")) },
      { name: "db", check: fail("no connection") },
      availabilityCheck("e2b", async () => false),
    ]);
    const res = await app.request("/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: "not_ready",
      checks: {
        store: "ok",
        docker: "daemon unreachable",
        db: "no connection",
        e2b: "e2b is not available",
      },
    });
  });

  it("times a slow check out, aborts its signal, and runs the checks in parallel", async () => {
    const startedChecks: string[] = [];
    const startedWhenAborted: Record<string, string[]> = {};
    const slow = (name: string): ReadyCheck => ({
      name,
      check: (signal) =>
        new Promise<void>((resolve) => {
          startedChecks.push(name);
          const timer = setTimeout(resolve, 5_000);
          signal.addEventListener("abort", () => {
            startedWhenAborted[name] = [...startedChecks];
            clearTimeout(timer);
          });
        }),
    });
    const app = readyApp([slow("a"), slow("b"), ok("c")], { timeoutMs: 100 });
    const res = await app.request("/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: "not_ready",
      checks: { a: "timed out after 100ms", b: "timed out after 100ms", c: "ok" },
    });
    // Both signals aborted; "b" had already started when "a" timed out: they ran side by side.
    expect(startedWhenAborted.a).toEqual(["a", "b"]);
    expect(startedWhenAborted.b).toEqual(["a", "b"]);
  });

  it("answers 503 draining at once, without running the checks", async () => {
    let ran = false;
    const check = async () => {
      ran = true;
    };
    const res = await readyApp([{ name: "store", check }], { draining: true }).request("/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "draining", checks: {} });
    expect(ran).toBe(false);
  });
});
