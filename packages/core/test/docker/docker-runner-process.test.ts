// The installed runner on docker runs in its wrapper's own process (real daemon): one Node per
// runner, leading its own process group, killed whole, its exit code reported.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import { startIdleRunner } from "../../src/run/preboot-runner.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import {
  containersWithLabels,
  docker,
  ensureTestImage,
  finish,
  nodeInContainer,
  probeDocker,
  removeContainersWithLabels,
  sandboxOptions,
  suiteLabels,
  TEST_IMAGE,
} from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;

interface Proc {
  pid: number;
  group: number;
  argv: string[];
}

/** Live processes of the container whose command line names `word`, with their groups. */
async function processesNaming(containerId: string, word: string): Promise<Proc[]> {
  const out = await nodeInContainer(
    containerId,
    `const fs = require("fs");
     const found = [];
     for (const entry of fs.readdirSync("/proc")) {
       const pid = Number(entry);
       if (!pid || pid === process.pid) continue;
       try {
         const stat = fs.readFileSync("/proc/" + pid + "/stat", "latin1");
         const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
         if (fields[0] === "Z" || fields[0] === "X") continue;
         const argv = fs.readFileSync("/proc/" + pid + "/cmdline", "latin1").split("\\0").filter(Boolean);
         if (argv.some((arg) => arg.includes(${JSON.stringify(word)}))) found.push({ pid, group: Number(fields[2]), argv });
       } catch {}
     }
     console.log(JSON.stringify(found));`,
  );
  return JSON.parse(out) as Proc[];
}

describe.skipIf(!available)("the installed runner's process on docker (real daemon)", () => {
  const provider = createDockerProvider({ docker, image: TEST_IMAGE, labels });
  const sandboxes: Sandbox[] = [];
  const create = async () => {
    const sandbox = await provider.create(sandboxOptions());
    sandboxes.push(sandbox);
    return sandbox;
  };

  beforeAll(ensureTestImage, 180_000);

  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.destroy()));
  });

  afterAll(async () => {
    const leftovers = await containersWithLabels(labels);
    await removeContainersWithLabels(labels);
    expect(leftovers.map((container) => container.Names)).toEqual([]);
  });

  it("is one Node process that leads its group, and kill() ends it", async () => {
    const sandbox = await create();
    const path = sandbox.installedRunner?.path;
    expect(path).toMatch(/runner\.mjs$/);
    const idle = await startIdleRunner(sandbox, path ?? "", never);
    expect(await idle.ready).toBe(true);

    const runners = await processesNaming(sandbox.id, "runner.mjs");
    // Not a wrapper Node with the runner as its child: the exec'd process is the runner.
    expect(runners).toHaveLength(1);
    const [runner] = runners;
    expect(runner?.group).toBe(runner?.pid);
    expect(runner?.argv.slice(-2)).toEqual([path, "--await-config"]);

    await idle.process.kill();
    expect(await idle.process.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(await processesNaming(sandbox.id, "runner.mjs")).toEqual([]);
  });

  it("reports the runner's own exit code, and a missing cwd as 127", async () => {
    const sandbox = await create();
    const path = sandbox.installedRunner?.path ?? "";
    // No such config file: the runner says so and exits non-zero by itself.
    const failed = await finish(
      await sandbox.spawn({
        command: [sandbox.nodePath, path, "--config", "/tmp/no-such-config.json"],
        env: {},
        signal: never,
      }),
    );
    expect(failed.status.exitCode).toBeGreaterThan(0);
    expect(failed.status.exitCode).toBeLessThan(128);
    // Its error line names the file (on stdout, as an event; or on stderr).
    expect(failed.stdout + failed.stderr).toContain("no-such-config.json");

    const lost = await finish(
      await sandbox.spawn({
        command: [sandbox.nodePath, path, "--await-config"],
        cwd: "/workspace/not-there",
        env: {},
        signal: never,
      }),
    );
    expect(lost.status).toEqual({ exitCode: 127 });
    expect(lost.stderr).toContain("cannot enter /workspace/not-there");
  });
});
