// The warm pool on real providers: a pooled docker container / bwrap sandbox is handed out from the
// pool, works like a fresh one (run env at spawn only), is destroyed after use, and close() leaves
// nothing. How much faster it is belongs to `npm run bench`, not to a test.
import { readdir, rm } from "node:fs/promises";
import { hasService } from "@sandcaster/testkit/services";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import { createLocalProvider } from "../../src/providers/local/index.js";
import type { Sandbox, SandboxProvider } from "../../src/sandbox/sandbox.js";
import { WarmPool } from "../../src/sandbox/warm-pool.js";
import {
  containersWithLabels,
  docker,
  ensureTestImage,
  probeDocker,
  readAll,
  removeContainersWithLabels,
  sandboxOptions,
  suiteLabels,
  TEST_IMAGE,
} from "../docker/docker-test-env.js";
import { makeBaseDir } from "../local/helpers.js";

const log = pino({ level: "silent" });
const LIMITS = { memoryMb: 256, cpus: 1, pids: 128, network: "none" as const };
const dockerUp = await probeDocker();

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function echo(sandbox: Sandbox, env: Record<string, string>): Promise<string> {
  const process = await sandbox.spawn({
    command: [sandbox.nodePath, "-e", "process.stdout.write(process.env.SECRET ?? 'none')"],
    env,
    signal: new AbortController().signal,
  });
  const [out] = await Promise.all([readAll(process.stdout), process.wait()]);
  return Buffer.from(out).toString("utf8");
}

/** A warm hit beside a cold create; the pooled sandbox runs a process with the run's env. */
async function exercise(provider: SandboxProvider) {
  const pool = new WarmPool(provider, { size: 2, maxAgeSecs: 300, limits: LIMITS, logger: log });
  try {
    await until(() => pool.stats().ready === 2);
    const options = () => sandboxOptions({ limits: { ...LIMITS, timeoutMs: 60_000 } });
    const warm = await pool.acquire(options());
    const cold = await provider.create(options());
    try {
      expect(pool.stats()).toMatchObject({ hits: 1, misses: 0 });
      // Per-run secrets reach the process only, at spawn time.
      expect(await echo(warm, { SECRET: "per-run-value" })).toBe("per-run-value");
      expect(await echo(warm, {})).toBe("none");
    } finally {
      await warm.destroy();
      await cold.destroy();
    }
    expect(await warm.checkHealth?.(new AbortController().signal)).toBe(false);
    await until(() => pool.stats().ready === 2);
  } finally {
    await pool.close();
  }
}

describe.skipIf(!dockerUp)("warm pool on docker", () => {
  const labels = suiteLabels();
  afterAll(async () => {
    const left = await containersWithLabels(labels);
    await removeContainersWithLabels(labels);
    expect(left.map((c) => c.Names)).toEqual([]);
  });

  it("hands out a running container that works like a fresh one; close() removes all", async () => {
    await ensureTestImage();
    const provider = createDockerProvider({ docker, image: TEST_IMAGE, labels });
    await exercise(provider);
    expect(await containersWithLabels(labels)).toEqual([]);
  }, 120_000);
});

describe.runIf(hasService("bwrap"))("warm pool on local (bubblewrap)", () => {
  it("hands out a sandbox that works like a fresh one; close() removes every directory", async () => {
    const baseDir = await makeBaseDir();
    try {
      const provider = createLocalProvider({ isolation: "bwrap", baseDir });
      await exercise(provider);
      expect(await readdir(baseDir)).toEqual([]);
    } finally {
      await rm(baseDir, { recursive: true, force: true });
    }
  }, 60_000);
});
