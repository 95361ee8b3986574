// The installed runner on docker runs in its wrapper's own process (real daemon): one Node per
// runner, leading its own process group, killed whole, its exit code reported.
import { describe, expect, it } from "vitest";
import { startIdleRunner } from "../../src/run/preboot-runner.js";
import { containerProcesses, dockerSandboxes } from "./docker-suite.js";
import { finish, probeDocker, suiteLabels } from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;

/** Live processes of the container with an argument ending in `word`. */
async function processesNaming(containerId: string, word: string) {
  const all = await containerProcesses(containerId);
  // Ends with: the container's main process names the runner's dir and sockets in its script.
  return all.filter((proc) => proc.argv.some((arg) => arg.endsWith(word)));
}

describe.skipIf(!available)("the installed runner's process on docker (real daemon)", () => {
  const { create } = dockerSandboxes(labels);

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
