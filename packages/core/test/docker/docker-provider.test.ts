// Docker provider against the real daemon: lifecycle, limits, live exec, env, network, destroy.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSandboxImage, createDockerProvider } from "../../src/providers/docker/index.js";
import { SandboxError } from "../../src/sandbox/sandbox-error.js";
import { dockerSandboxes } from "./docker-suite.js";
import {
  containersWithLabels,
  docker,
  finish,
  probeDocker,
  sandboxOptions,
  suiteLabels,
  TEST_IMAGE,
} from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();

describe.skipIf(!available)("docker provider (real daemon)", () => {
  const { provider, create, keep } = dockerSandboxes(labels);
  const never = new AbortController().signal;

  it("is available", async () => {
    expect(await provider.isAvailable()).toBe(true);
  });

  it("streams stdout live, keeps stderr apart and reports the exit code", async () => {
    const sandbox = await create();
    expect(sandbox.state).toBe("ready");
    const runner = `${sandbox.runnerDir}/runner.mjs`;
    const source = [
      'process.stdout.write(JSON.stringify({ line: 1 }) + "\\n");',
      'process.stderr.write("warning on stderr\\n");',
      "await new Promise((resolve) => setTimeout(resolve, 1500));",
      'process.stdout.write(JSON.stringify({ line: 2 }) + "\\n");',
      "process.exitCode = 3;",
    ].join("\n");
    await sandbox.writeFiles([{ path: runner, content: Buffer.from(source) }], never);
    const process = await sandbox.spawn({
      command: [sandbox.nodePath, runner],
      env: {},
      signal: never,
    });
    expect(sandbox.state).toBe("running");
    let exitedAt: number | undefined;
    const exit = process.wait().then((status) => {
      exitedAt = Date.now();
      return status;
    });
    const reader = process.stdout.getReader();
    const first = await reader.read();
    const firstAt = Date.now();
    expect(Buffer.from(first.value ?? []).toString()).toBe('{"line":1}\n');
    expect(exitedAt).toBeUndefined();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += Buffer.from(chunk.value).toString();
    }
    expect(rest).toBe('{"line":2}\n');
    const stderr = await new Response(process.stderr).text();
    expect(stderr).toBe("warning on stderr\n");
    expect(await exit).toEqual({ exitCode: 3 });
    // Buffered output would arrive just before the exit; live output arrives 1.5 s earlier.
    expect((exitedAt ?? 0) - firstAt).toBeGreaterThan(1_000);
    expect(sandbox.state).toBe("ready");
  });

  it("passes spawn env to that process only, create env to all", async () => {
    const sandbox = await create({ env: { SHARED: "for-everyone" } });
    const print = ["node", "-e", "console.log(process.env.SECRET ?? '-', process.env.SHARED)"];
    const first = await finish(
      await sandbox.spawn({ command: print, env: { SECRET: "s3cret" }, signal: never }),
    );
    const second = await finish(await sandbox.spawn({ command: print, env: {}, signal: never }));
    expect(first.stdout).toBe("s3cret for-everyone\n");
    expect(second.stdout).toBe("- for-everyone\n");
  });

  it("runs processes in the cwd, as uid 1000, and reports a missing command", async () => {
    const sandbox = await create();
    const who = await finish(
      await sandbox.spawn({
        command: ["node", "-e", "console.log(process.getuid(), process.getgid(), process.cwd())"],
        env: {},
        cwd: sandbox.runnerDir,
        signal: never,
      }),
    );
    expect(who.stdout).toBe(`1000 1000 ${sandbox.runnerDir}\n`);
    const missing = await finish(
      await sandbox.spawn({ command: ["no-such-binary"], env: {}, signal: never }),
    );
    expect(missing.status.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/no-such-binary/);
  });

  it("labels the container and applies the limits", async () => {
    const options = sandboxOptions({
      limits: { memoryMb: 300, cpus: 1.5, pids: 64, timeoutMs: 60_000, network: "none" },
    });
    const sandbox = await provider.create(options);
    keep(sandbox);
    const info = await docker.getContainer(sandbox.id).inspect();
    expect(info.Config.Labels).toMatchObject({
      ...labels,
      "sandcaster.managed": "true",
      "sandcaster.run-id": options.runId,
    });
    expect(info.Config.User).toBe("1000:1000");
    expect(info.Config.WorkingDir).toBe("/workspace");
    expect(info.HostConfig).toMatchObject({
      Memory: 300 * 1024 * 1024,
      NanoCpus: 1_500_000_000,
      PidsLimit: 64,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      NetworkMode: "none",
      Init: true,
      AutoRemove: true,
    });
    expect(info.State.Running).toBe(true);
  });

  it("has only a loopback interface with network none", async () => {
    const sandbox = await create();
    const result = await finish(
      await sandbox.spawn({
        command: [
          "node",
          "-e",
          "console.log(require('fs').readdirSync('/sys/class/net').sort().join(','))",
        ],
        env: {},
        signal: never,
      }),
    );
    expect(result.stdout).toBe("lo\n");
  });

  it("reports death by signal and tells it from an exit code", async () => {
    const sandbox = await create();
    const killed = await finish(
      await sandbox.spawn({
        command: ["node", "-e", "process.kill(process.pid, 'SIGKILL')"],
        env: {},
        signal: never,
      }),
    );
    expect(killed.status).toEqual({ exitCode: null, signal: "SIGKILL" });
    const exited = await finish(
      await sandbox.spawn({ command: ["node", "-e", "process.exit(137)"], env: {}, signal: never }),
    );
    expect(exited.status).toEqual({ exitCode: 137 });
  });

  it("destroys idempotently and refuses work afterwards", async () => {
    const sandbox = await create();
    await sandbox.destroy();
    expect(sandbox.state).toBe("stopped");
    await expect(docker.getContainer(sandbox.id).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    await sandbox.destroy();
    await expect(sandbox.writeFiles([], never)).rejects.toMatchObject({
      code: "SANDBOX_DESTROYED",
    });
  });

  it("destroy() ends running processes and their streams", async () => {
    const sandbox = await create();
    const process = await sandbox.spawn({
      command: ["node", "-e", "console.log('up'); setInterval(() => {}, 1000)"],
      env: {},
      signal: never,
    });
    const reader = process.stdout.getReader();
    await reader.read();
    await sandbox.destroy();
    expect(await process.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect((await reader.read()).done).toBe(true);
    await process.kill();
  });

  it("fails with SANDBOX_IMAGE_MISSING for a missing image and leaves nothing behind", async () => {
    const missing = createDockerProvider({
      docker,
      image: "sandcaster-no-such-image:nope",
      labels,
    });
    const options = sandboxOptions();
    const error = await missing.create(options).catch((caught: unknown) => caught);
    expect(SandboxError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "SANDBOX_IMAGE_MISSING" });
    expect((error as SandboxError).hint).toMatch(/sandcaster image build/);
    expect((error as SandboxError).hint).toMatch(/build-test-image\.sh/);
    expect(await containersWithLabels({ "sandcaster.run-id": options.runId })).toEqual([]);
  });

  it("removes the container when create() is aborted", async () => {
    const controller = new AbortController();
    const options = sandboxOptions({ signal: controller.signal });
    const pending = provider.create(options);
    controller.abort(new Error("client went away"));
    await expect(pending).rejects.toThrow("client went away");
    expect(await containersWithLabels({ "sandcaster.run-id": options.runId })).toEqual([]);
  });

  it("is unavailable, not crashing, when the daemon cannot be reached", async () => {
    const nowhere = createDockerProvider({
      image: TEST_IMAGE,
      socketPath: "/nonexistent/docker.sock",
    });
    expect(await nowhere.isAvailable()).toBe(false);
    await expect(nowhere.create(sandboxOptions())).rejects.toMatchObject({
      code: "SANDBOX_UNAVAILABLE",
    });
  });

  it("ends itself after the run timeout (dead-man switch) and is then reported gone", async () => {
    const shortLived = createDockerProvider({
      docker,
      image: TEST_IMAGE,
      labels,
      deadManMarginMs: 0,
    });
    const options = sandboxOptions();
    const sandbox = await shortLived.create({
      ...options,
      limits: { ...options.limits, timeoutMs: 1_000 },
    });
    keep(sandbox);
    const deadline = Date.now() + 10_000;
    while ((await containersWithLabels({ "sandcaster.run-id": options.runId })).length > 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await expect(
      sandbox.spawn({ command: ["node", "-v"], env: {}, signal: never }),
    ).rejects.toMatchObject({ code: "SANDBOX_DESTROYED" });
    expect(sandbox.state).toBe("failed");
    await sandbox.destroy();
    expect(sandbox.state).toBe("stopped");
  });

  it("builds an image from a Dockerfile and reports a failing build clearly", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sandcaster-build-"));
    const tag = `sandcaster-build-test:${Date.now()}`;
    try {
      await writeFile(join(dir, "hello.txt"), "hello\n");
      await writeFile(
        join(dir, "test.Dockerfile"),
        `FROM ${TEST_IMAGE}\nCOPY hello.txt /opt/hello.txt\nRUN node -e "process.exit(0)"\n`,
      );
      const lines: string[] = [];
      const built = await buildSandboxImage(docker, {
        tag,
        dockerfilePath: join(dir, "test.Dockerfile"),
        onProgress: (line) => lines.push(line),
      });
      expect(built.imageId).toMatch(/^sha256:/);
      expect(lines.join("\n")).toMatch(/Successfully tagged/);
      expect((await docker.getImage(tag).inspect()).Config.User).toBe("1000:1000");

      await writeFile(
        join(dir, "broken.Dockerfile"),
        `FROM ${TEST_IMAGE}\nRUN node -e "process.exit(3)"\n`,
      );
      await expect(
        buildSandboxImage(docker, {
          tag: `${tag}-broken`,
          dockerfilePath: join(dir, "broken.Dockerfile"),
        }),
      ).rejects.toThrow(/Building image .* failed: .*returned a non-zero code: 3/);
    } finally {
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });
});
