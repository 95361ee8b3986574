// The real `sandcaster serve` process: SIGTERM drains and cancels without leaks; a killed server's
// containers are removed at the next start.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteRunStore } from "@sandcaster/core";
import { type ModelDouble, pidsWithCommandLine, startAnthropicDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import Docker from "dockerode";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startServe } from "./cli-process.js";
import { bridgeGateway, readUntil } from "./helpers.js";

const docker = new Docker();
const dockerUp = hasService("docker");

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-cli-test-"));
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function serverEnv(sandbox: "local" | "docker", extraConfig: Record<string, unknown> = {}) {
  double = await startAnthropicDouble({
    host: sandbox === "docker" ? await bridgeGateway() : "127.0.0.1",
    turns: [{ toolCalls: [{ name: "bash", input: { command: "sleep 120" } }] }, { text: "never" }],
  });
  const config = join(dir, "sandcaster.json");
  await writeFile(
    config,
    JSON.stringify({
      sandboxProvider: sandbox,
      docker: { image: "sandcaster-sandbox:test" },
      ...extraConfig,
    }),
  );
  return {
    config,
    env: {
      ANTHROPIC_API_KEY: "sk-ant-cli-test",
      ANTHROPIC_BASE_URL: double.url,
      SANDCASTER_DB: join(dir, "runs.db"),
    },
  };
}

async function containersOf(runId: string) {
  return docker.listContainers({ all: true, filters: { label: [`sandcaster.run-id=${runId}`] } });
}

describe.each([
  { sandbox: "local" as const, enabled: true },
  { sandbox: "docker" as const, enabled: dockerUp },
])("serve on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "SIGTERM: the running run is cancelled, its sandbox destroyed, and the server exits 0",
    async () => {
      const { config, env } = await serverEnv(sandbox);
      const server = await startServe(["--config", config, "--grace", "1"], env, dir);
      const response = await fetch(`${server.url}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "sleep" }),
      });
      const runId = response.headers.get("x-run-id") ?? "";
      const reading = readUntil(response, "tool_use");
      await reading.reached;
      server.child.kill("SIGTERM");
      const events = await reading.all;
      expect(events.at(-1)).toMatchObject({
        type: "error",
        code: "CANCELLED",
        content: expect.stringContaining("shutting down"),
      });
      expect(await server.exited).toBe(0);
      if (sandbox === "docker") expect(await containersOf(runId)).toEqual([]);
      expect((await readdir(tmpdir())).filter((d) => d.includes(runId))).toEqual([]);
      const store = createSqliteRunStore({ path: env.SANDCASTER_DB });
      expect(await store.getRun(runId)).toMatchObject({
        status: "cancelled",
        errorCode: "CANCELLED",
      });
      await store.close();
      expect(server.logs()).not.toContain("sk-ant-cli-test");
    },
  );
});

describe("serve with local.runnerSnapshot", () => {
  it("cold runs boot from the snapshot the server built, and SIGTERM removes it", async () => {
    const { config, env } = await serverEnv("local", { local: { runnerSnapshot: true } });
    // The double's script: the first run answers at once (its sandbox starts the build), the
    // second sleeps in bash while its runner's command line is looked at.
    await double?.close();
    double = await startAnthropicDouble({
      turns: [
        { text: "first" },
        { toolCalls: [{ name: "bash", input: { command: "sleep 120" } }] },
        { text: "never" },
      ],
    });
    const server = await startServe(
      ["--config", config, "--grace", "1"],
      { ...env, ANTHROPIC_BASE_URL: double.url },
      dir,
    );
    const first = await fetch(`${server.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "first" }),
    });
    expect(await first.text()).toContain("event: result");
    await until(() => server.logs().includes("runner snapshot ready"), 60_000);
    expect(await snapshotDirs()).toHaveLength(1);

    const second = await fetch(`${server.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "sleep" }),
    });
    const reading = readUntil(second, "tool_use");
    await reading.reached;
    expect(await pidsWithCommandLine(["--snapshot-blob", "runner.mjs"])).not.toEqual([]);
    server.child.kill("SIGTERM");
    await reading.all;
    expect(await server.exited).toBe(0);
    expect(await snapshotDirs()).toEqual([]);
  }, 120_000);

  it("a bad SANDCASTER_RUNNER_SNAPSHOT is refused by name", async () => {
    const { config, env } = await serverEnv("local");
    await expect(
      startServe(["--config", config], { ...env, SANDCASTER_RUNNER_SNAPSHOT: "yes" }, dir),
    ).rejects.toThrow(/SANDCASTER_RUNNER_SNAPSHOT must be 1, 0, true or false/);
  });
});

async function snapshotDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.includes("runner-snapshot-"));
}

async function until(check: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("serve after a crash", () => {
  it.skipIf(!dockerUp)(
    "after kill -9: the next start removes the containers and marks the runs lost",
    async () => {
      const { config, env } = await serverEnv("docker", {
        runs: { heartbeatSecs: 1, staleAfterSecs: 2 },
      });
      const first = await startServe(["--config", config], env, dir);
      const response = await fetch(`${first.url}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "sleep" }),
      });
      const runId = response.headers.get("x-run-id") ?? "";
      await readUntil(response, "tool_use").reached;
      first.child.kill("SIGKILL");
      await first.exited;
      expect(await containersOf(runId)).toHaveLength(1);

      const second = await startServe(["--config", config], env, dir);
      expect(await containersOf(runId)).toEqual([]);
      expect(second.logs()).toContain("removed sandboxes left by an earlier server");
      // Not left `running` forever: once its stamp is stale the run is an error.
      const store = createSqliteRunStore({ path: env.SANDCASTER_DB });
      const deadline = Date.now() + 10_000;
      let run = await store.getRun(runId);
      while (run?.status === "running" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        run = await store.getRun(runId);
      }
      expect(run).toMatchObject({ status: "error", errorCode: "SERVER_LOST" });
      await store.close();
      // Replaying the run shows how it ended.
      const replay = await (await fetch(`${second.url}/runs/${runId}/events`)).text();
      const names = [...replay.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
      expect(names.at(-1)).toBe("error");
      expect(replay).toContain('"code":"SERVER_LOST"');
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    },
  );
  it.skipIf(!dockerUp)(
    "a warm pool: filled before /ready, swept after kill -9, destroyed on SIGTERM",
    async () => {
      const { config, env } = await serverEnv("docker", { docker: poolConfig });
      const first = await startServe(["--config", config], env, dir);
      await readyWithin(first.url, 60_000);
      const firstPool = await pooledBy(first.child.pid);
      expect(firstPool).toHaveLength(2);
      first.child.kill("SIGKILL");
      await first.exited;

      const second = await startServe(["--config", config], env, dir);
      await readyWithin(second.url, 60_000);
      const alive = new Set((await docker.listContainers({ all: true })).map((c) => c.Id));
      expect(firstPool.filter((id) => alive.has(id))).toEqual([]);
      expect(await pooledBy(second.child.pid)).toHaveLength(2);
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
      expect(await pooledBy(second.child.pid)).toEqual([]);
    },
    120_000,
  );
});

const poolConfig = { image: "sandcaster-sandbox:test", pool: { size: 2, maxAgeSecs: 600 } };

/** Pooled containers (run id pool_…) owned by the server process `pid`. */
async function pooledBy(pid: number | undefined): Promise<string[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: ["sandcaster.managed=true"] },
  });
  return list
    .filter(
      (c) =>
        c.Labels["sandcaster.owner"]?.split("/")[1] === String(pid) &&
        c.Labels["sandcaster.run-id"]?.startsWith("pool_"),
    )
    .map((c) => c.Id);
}

/** Waits for GET /ready → 200 (a configured pool makes it wait until the pool is full). */
async function readyWithin(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/ready`).catch(() => undefined);
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
