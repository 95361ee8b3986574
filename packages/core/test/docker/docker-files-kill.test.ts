// Docker provider against the real daemon: staging, changed files, kill of process trees, orphans.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { PROCESS_MARK_ENV, STATE_DIR } from "../../src/providers/docker/constants.js";
import { runExec } from "../../src/providers/docker/exec.js";
import { KILLER_SCRIPT } from "../../src/providers/docker/in-sandbox-scripts.js";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import { containerProcesses, dockerSandboxes } from "./docker-suite.js";
import {
  docker,
  finish,
  nodeInContainer,
  probeDocker,
  sandboxOptions,
  suiteLabels,
  TEST_IMAGE,
} from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;
const text = (value: string) => Buffer.from(value);

/** Which of `pids` still exist (and are not zombies) inside the container. */
async function livePids(containerId: string, pids: number[]): Promise<number[]> {
  const live = new Set((await containerProcesses(containerId)).map((proc) => proc.pid));
  return pids.filter((pid) => live.has(pid));
}

describe.skipIf(!available)("docker sandbox files, kill and orphans (real daemon)", () => {
  const { provider, create, keep } = dockerSandboxes(labels);

  it("stages files owned by uid 1000 with their modes and parent directories", async () => {
    const sandbox = await create();
    await sandbox.writeFiles(
      [
        { path: "/workspace/deep/er/tool.sh", content: text("#!/bin/sh\necho hi\n"), mode: 0o755 },
        { path: `${sandbox.runnerDir}/config.json`, content: text("{}") },
      ],
      never,
    );
    const out = await nodeInContainer(
      sandbox.id,
      `const fs = require("fs");
       for (const p of ["/workspace/deep", "/workspace/deep/er/tool.sh", "${sandbox.runnerDir}/config.json"]) {
         const s = fs.statSync(p); console.log(p, s.uid, s.gid, (s.mode & 0o777).toString(8));
       }`,
    );
    expect(out).toBe(
      [
        "/workspace/deep 1000 1000 755",
        "/workspace/deep/er/tool.sh 1000 1000 755",
        `${sandbox.runnerDir}/config.json 1000 1000 644`,
        "",
      ].join("\n"),
    );
    await expect(
      sandbox.writeFiles([{ path: "/etc/evil", content: text("x") }], never),
    ).rejects.toMatchObject({ code: "SANDBOX_IO_FAILED" });
    await expect(
      sandbox.writeFiles([{ path: "/workspace/../etc/evil", content: text("x") }], never),
    ).rejects.toMatchObject({ code: "SANDBOX_IO_FAILED" });
  });

  it("reads only files changed after staging, binary-safe and within limits", async () => {
    const sandbox = await create();
    await sandbox.writeFiles(
      [
        { path: "/workspace/untouched.txt", content: text("staged\n") },
        { path: "/workspace/modified.txt", content: text("before\n") },
        { path: "/workspace/src/kept.ts", content: text("export {};\n") },
        { path: `${sandbox.runnerDir}/runner.mjs`, content: text("// runner\n") },
      ],
      never,
    );
    const script = `
      const fs = require("fs");
      fs.writeFileSync("modified.txt", "after\\n");
      fs.writeFileSync("binary.dat", Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
      fs.mkdirSync("out/nested", { recursive: true });
      fs.writeFileSync("out/nested/report.md", "# report\\n");
      fs.writeFileSync("huge.log", Buffer.alloc(5000, 97));
      fs.symlinkSync("/etc/passwd", "passwd-link");
      fs.writeFileSync("/tmp/outside.txt", "not in the workspace");`;
    const run = await finish(
      await sandbox.spawn({ command: ["node", "-e", script], env: {}, signal: never }),
    );
    expect(run.status).toEqual({ exitCode: 0 });

    const changed = await sandbox.readChangedFiles(
      { maxFileBytes: 1000, maxTotalBytes: 1_000_000, maxFiles: 10 },
      never,
    );
    expect(changed.files.map((file) => file.path)).toEqual([
      "binary.dat",
      "modified.txt",
      "out/nested/report.md",
    ]);
    const binary = changed.files.find((file) => file.path === "binary.dat");
    expect(Buffer.from(binary?.content ?? [])).toEqual(
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    );
    expect(Buffer.from(changed.files[1]?.content ?? []).toString()).toBe("after\n");
    expect(changed.skipped).toEqual([{ path: "huge.log", size: 5000, reason: "file_too_large" }]);

    const limited = await sandbox.readChangedFiles(
      { maxFileBytes: 10_000, maxTotalBytes: 5_260, maxFiles: 3 },
      never,
    );
    expect(limited.files.map((file) => file.path)).toEqual(["binary.dat", "huge.log"]);
    expect(limited.skipped).toEqual([
      { path: "modified.txt", size: 6, reason: "total_too_large" },
      { path: "out/nested/report.md", size: 9, reason: "total_too_large" },
    ]);

    const counted = await sandbox.readChangedFiles(
      { maxFileBytes: 10_000, maxTotalBytes: 1_000_000, maxFiles: 1 },
      never,
    );
    expect(counted.files.map((file) => file.path)).toEqual(["binary.dat"]);
    expect(counted.skipped.map((file) => file.reason)).toEqual([
      "too_many_files",
      "too_many_files",
      "too_many_files",
    ]);

    // A new staging moves the reference point: nothing has changed since.
    await sandbox.writeFiles(
      [{ path: "/workspace/untouched.txt", content: text("again\n") }],
      never,
    );
    expect(
      await sandbox.readChangedFiles(
        { maxFileBytes: 1000, maxTotalBytes: 10_000, maxFiles: 10 },
        never,
      ),
    ).toEqual({ files: [], skipped: [] });
  });

  it("kill() ends the whole process tree, including a child in its own session", async () => {
    const sandbox = await create();
    const script = `
      const { spawn } = require("child_process");
      const keep = ["-e", "setInterval(() => {}, 1000)"];
      const child = spawn(process.execPath, keep, { stdio: "ignore" });
      const escaped = spawn(process.execPath, keep, { stdio: "ignore", detached: true });
      console.log(JSON.stringify([process.pid, child.pid, escaped.pid]));
      setInterval(() => {}, 1000);`;
    const process = await sandbox.spawn({
      command: ["node", "-e", script],
      env: {},
      signal: never,
    });
    const reader = process.stdout.getReader();
    const first = await reader.read();
    const pids = JSON.parse(Buffer.from(first.value ?? []).toString()) as number[];
    expect(pids).toHaveLength(3);
    expect(await livePids(sandbox.id, pids)).toEqual(pids);
    expect(sandbox.state).toBe("running");

    await process.kill();
    await process.kill();
    expect(await process.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(await livePids(sandbox.id, pids)).toEqual([]);
    expect(sandbox.state).toBe("ready");
    reader.releaseLock();
  });

  it("kill() works even when the pids limit forbids starting another process", async () => {
    const options = sandboxOptions();
    const sandbox = await provider.create({ ...options, limits: { ...options.limits, pids: 40 } });
    keep(sandbox);
    const forkUntilFull = `
      const { spawn } = require("child_process");
      let count = 0;
      const more = () => {
        const child = spawn("sleep", ["1000"], { stdio: "ignore" });
        child.on("spawn", () => { count++; setImmediate(more); });
        child.on("error", () => console.log("full at " + count));
      };
      more();
      setInterval(() => {}, 1000);`;
    const process = await sandbox.spawn({
      command: ["node", "-e", forkUntilFull],
      env: {},
      signal: never,
    });
    const reader = process.stdout.getReader();
    expect(Buffer.from((await reader.read()).value ?? []).toString()).toMatch(/^full at \d+/);
    const started = Date.now();
    await process.kill();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await process.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    const sleeping = await nodeInContainer(
      sandbox.id,
      `const fs = require("fs");
       console.log(fs.readdirSync("/proc").filter((pid) => {
         try { return fs.readFileSync("/proc/" + pid + "/cmdline", "latin1").startsWith("sleep"); }
         catch { return false; }
       }).length);`,
    );
    expect(sleeping).toBe("0\n");
    reader.releaseLock();
  });

  it("the exec killer alone also ends a process tree", async () => {
    const sandbox = await create();
    const process = await sandbox.spawn({
      command: [
        "node",
        "-e",
        "require('child_process').spawn('sleep', ['1000']); console.log('up')",
      ],
      env: {},
      signal: never,
    });
    const reader = process.stdout.getReader();
    await reader.read();
    const id = await nodeInContainer(
      sandbox.id,
      `const fs = require("fs");
       console.log(fs.readdirSync("${STATE_DIR}").find((name) => name.endsWith(".pid")).slice(0, -4));`,
    );
    const killer = await runExec(docker, docker.getContainer(sandbox.id), {
      cmd: ["node", "-e", KILLER_SCRIPT, "--", id.trim(), STATE_DIR, PROCESS_MARK_ENV],
    });
    expect(killer.exitCode).toBe(0);
    expect(await process.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    reader.releaseLock();
  });

  it("kills the process when its spawn signal aborts", async () => {
    const sandbox = await create();
    const controller = new AbortController();
    const process = await sandbox.spawn({
      command: ["node", "-e", "setInterval(() => {}, 1000)"],
      env: {},
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    expect(await process.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("sweepOrphans() removes containers of a previous server and spares its own", async () => {
    const scope = { ...labels, "sandcaster.test-case": randomUUID() };
    const orphan = await docker.createContainer({
      Image: TEST_IMAGE,
      Entrypoint: ["node"],
      Cmd: ["-e", "setTimeout(() => {}, 600000)"],
      Labels: { ...scope, "sandcaster.managed": "true", "sandcaster.run-id": "crashed-run" },
    });
    await orphan.start();
    const restarted = createDockerProvider({
      docker,
      image: TEST_IMAGE,
      labels: scope,
      instanceId: "b",
    });
    const own = await restarted.create(sandboxOptions());
    keep(own);

    expect(await restarted.sweepOrphans()).toBe(1);
    await expect(orphan.inspect()).rejects.toMatchObject({ statusCode: 404 });
    const survivor = await docker.getContainer(own.id).inspect();
    expect(survivor.State.Running).toBe(true);
    expect(survivor.Config.Labels["sandcaster.instance"]).toBe("b");
    expect(await restarted.sweepOrphans()).toBe(0);
  });

  it("sweepOrphans() judges labelled containers by their owner process, sparing live and foreign servers", async () => {
    const scope = { ...labels, "sandcaster.test-case": randomUUID() };
    // A pid that is certainly not running: a child that has exited and been reaped.
    const { spawnSync } = await import("node:child_process");
    const deadPid = spawnSync("true").pid;
    const start = async (runId: string, owner: string) => {
      const container = await docker.createContainer({
        Image: TEST_IMAGE,
        Entrypoint: ["node"],
        Cmd: ["-e", "setTimeout(() => {}, 600000)"],
        Labels: {
          ...scope,
          "sandcaster.managed": "true",
          "sandcaster.run-id": runId,
          "sandcaster.owner": owner,
        },
      });
      await container.start();
      return container;
    };
    const provider = createDockerProvider({ docker, image: TEST_IMAGE, labels: scope });
    const ours = await provider.create(sandboxOptions());
    keep(ours);
    const dead = await start("dead-owner", `${hostname()}/${deadPid}/12345`);
    const live = await start("live-owner", `${hostname()}/${process.pid}/0`);
    const foreign = await start("other-host", `some-other-host/${deadPid}/1`);
    try {
      expect(await provider.sweepOrphans()).toBe(1);
      await expect(dead.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await live.inspect()).State.Running).toBe(true);
      expect((await foreign.inspect()).State.Running).toBe(true);
      const own = await docker.getContainer(ours.id).inspect();
      expect(own.Config.Labels["sandcaster.owner"]).toMatch(
        new RegExp(`^${hostname()}/${process.pid}/\\d+$`),
      );
    } finally {
      await live.remove({ force: true });
      await foreign.remove({ force: true });
    }
  });
});
