// A warm pool behind the real server: a run gets a pooled sandbox (no secrets in it before the
// run), the used one is destroyed, the pool refills, /metrics and /ready show it, close() empties it.
import { hostname } from "node:os";
import Docker from "dockerode";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();
const docker = new Docker();

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** This process's pooled containers (owner host/pid/…, run id pool_…), with their environment. */
async function pooledContainers(): Promise<{ id: string; env: string[] }[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: ["sandcaster.managed=true"] },
  });
  const pooled = list.filter(
    (c) =>
      c.Labels["sandcaster.owner"]?.startsWith(`${hostname()}/${process.pid}/`) &&
      c.Labels["sandcaster.run-id"]?.startsWith("pool_"),
  );
  // A container listed here may be removed before its inspect (the used one goes after the
  // stream's end): it is left out, as the next listing would.
  const found = await Promise.all(
    pooled.map(async (c) => {
      try {
        return { id: c.Id, env: (await docker.getContainer(c.Id).inspect()).Config.Env ?? [] };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    }),
  );
  return found.filter((c) => c !== undefined);
}

const TURNS = [
  { text: "", toolCalls: [{ name: "bash", input: { command: "echo warm > out.txt" } }] },
  { text: "done" },
];

describe.each(SANDBOXES)("warm pool on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "a run takes a pooled sandbox, the pool refills, and /metrics and /ready show it",
    async () => {
      t = await startTestServer({
        turns: TURNS,
        sandbox,
        pool: { size: 2 },
        ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
      });
      const server = t;
      const pool = server.pools[0];
      if (!pool) throw new Error("no pool");
      await until(() => pool.stats().ready === 2);
      const before = sandbox === "docker" ? await pooledContainers() : [];
      for (const container of before) {
        expect(container.env.join("\n")).not.toContain("sk-ant-test-secret-key");
        // An idle runner waits in it, and nothing else: the run's end is scanned by the runner's
        // main process, so no changed-files scanner idles beside it.
        const top = (await docker.getContainer(container.id).top()) as { Processes: string[][] };
        const commands = top.Processes.map((row) => row.at(-1) ?? "");
        expect(commands.filter((c) => c.endsWith("--await-config"))).toHaveLength(1);
        // (A waiting scanner's arguments end with its mode, "wait"; see workspace-scan.ts.)
        expect(commands.filter((c) => c.endsWith(" wait"))).toEqual([]);
      }

      const events = await readEvents(await postQuery(server.url, { prompt: "use the pool" }));
      expect(events.at(-1)?.data.type).toBe("result");
      expect(events.find((e) => e.data.type === "file")?.data).toMatchObject({ path: "out.txt" });
      expect(pool.stats()).toMatchObject({ hits: 1, misses: 0 });
      await until(() => pool.stats().ready === 2);

      if (sandbox === "docker") {
        // The container the run used is gone (removed after the stream's end); two fresh ones wait.
        let after = await pooledContainers();
        await until(async () => {
          after = await pooledContainers();
          return after.length === 2;
        });
        const used = before.filter((c) => !after.some((a) => a.id === c.id));
        expect(used).toHaveLength(1);
        await until(async () => {
          const all = await docker.listContainers({ all: true });
          return !all.some((c) => c.Id === used[0]?.id);
        });
        expect(after).toHaveLength(2);
      }

      const metrics = await (await fetch(new URL("/metrics", server.url))).text();
      expect(metrics).toContain(`sandcaster_pool_ready{sandbox="${sandbox}",pool="default"} 2`);
      // Warmed-up runners among the ready ones (their warm-up may still be going on).
      expect(metrics).toMatch(
        new RegExp(`sandcaster_pool_warm\\{sandbox="${sandbox}",pool="default"\\} [0-2]\\n`),
      );
      expect(metrics).toContain(
        `sandcaster_pool_hits_total{sandbox="${sandbox}",pool="default"} 1`,
      );
      expect(metrics).toContain(
        `sandcaster_pool_misses_total{sandbox="${sandbox}",pool="default"} 0`,
      );
      const ready = await fetch(new URL("/ready", server.url));
      expect(await ready.json()).toMatchObject({
        status: "ready",
        checks: { [`pool:${sandbox}`]: "ok" },
      });

      await server.close();
      t = undefined;
      if (sandbox === "docker") expect(await pooledContainers()).toEqual([]);
      expect(pool.stats().ready).toBe(0);
    },
    120_000,
  );
});

describe.each(SANDBOXES.filter((s) => s.sandbox === "docker"))(
  "a pool that cannot fill",
  ({ enabled }) => {
    it.skipIf(!enabled)(
      "makes /ready answer 503, naming the pool and why",
      async () => {
        t = await startTestServer({
          turns: [],
          sandbox: "docker",
          modelHost: await bridgeGateway(),
          pool: { size: 1, image: "sandcaster-no-such-image:missing" },
        });
        const server = t;
        await until(() => (server.pools[0]?.stats().failures ?? 0) >= 3, 60_000);
        const ready = await fetch(new URL("/ready", server.url));
        expect(ready.status).toBe(503);
        const body = (await ready.json()) as { checks: Record<string, string> };
        expect(body.checks["pool:docker"]).toMatch(/cannot fill/);
      },
      90_000,
    );
  },
);
