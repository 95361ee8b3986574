// The runner the container's main process boots as it starts (real daemon): it is what the first
// spawn of the idle runner gets, with nothing of any run in it; its exit code and a cancel come
// through; a sandbox that runs something else first keeps no idle runner; and no other process of
// the sandbox can reach its stdio.
import { describe, expect, it } from "vitest";
import { startIdleRunner } from "../../src/run/preboot-runner.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { containerProcesses, dockerSandboxes } from "./docker-suite.js";
import { finish, nodeInContainer, probeDocker, readAll, suiteLabels } from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;

async function runners(sandbox: Sandbox) {
  const all = await containerProcesses(sandbox.id);
  return all.filter((proc) => proc.argv.some((arg) => arg.endsWith("runner.mjs")));
}

/** Polls (bounded) until the container's runner processes are `count`; returns them. */
async function untilRunners(sandbox: Sandbox, count: number) {
  for (let round = 0; round < 150; round++) {
    const found = await runners(sandbox);
    if (found.length === count) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the container never had ${count} runner process(es)`);
}

describe.skipIf(!available)("the runner booted with the container (real daemon)", () => {
  const { create } = dockerSandboxes(labels);

  it("runs before any spawn, holds nothing of a run, and is the process the idle spawn gets", async () => {
    const sandbox = await create({ env: { VISIBLE_TO_ALL: "1" } });
    const [booted] = await untilRunners(sandbox, 1);
    expect(booted?.group).toBe(booted?.pid);
    const environ = await nodeInContainer(
      sandbox.id,
      `console.log(require("fs").readFileSync("/proc/${booted?.pid}/environ", "latin1").split("\\0").map((kv) => kv.split("=")[0]).sort().join(","));`,
    );
    // The container's env and the kill mark only: no key, token or config.
    expect(environ.trim().split(",")).toEqual(
      expect.arrayContaining(["HOME", "SANDCASTER_PROC", "VISIBLE_TO_ALL"]),
    );
    expect(environ).not.toMatch(/KEY|TOKEN|CONFIG/i);

    const idle = await startIdleRunner(sandbox, sandbox.installedRunner?.path ?? "", never);
    expect(await idle.ready).toBe(true);
    expect((await runners(sandbox)).map((proc) => proc.pid)).toEqual([booted?.pid]);
    await idle.process.kill();
    expect(await idle.process.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(await runners(sandbox)).toEqual([]);
  });

  it("reports the runner's own exit code when its config line is refused", async () => {
    const sandbox = await create();
    const idle = await startIdleRunner(sandbox, sandbox.installedRunner?.path ?? "", never);
    const writer = idle.process.stdin?.getWriter();
    await writer?.write(new TextEncoder().encode("this is not a config\n"));
    await writer?.close();
    const [stdout, stderr, status] = await Promise.all([
      readAll(idle.process.stdout),
      readAll(idle.process.stderr),
      idle.process.wait(),
    ]);
    expect(status.exitCode).toBeGreaterThan(0);
    expect(status.exitCode).toBeLessThan(128);
    expect(stdout + stderr).not.toBe("");
  });

  it("is killed, its whole group, when the run's signal aborts", async () => {
    const sandbox = await create();
    const abort = new AbortController();
    const idle = await startIdleRunner(sandbox, sandbox.installedRunner?.path ?? "", abort.signal);
    expect(await idle.ready).toBe(true);
    abort.abort(new Error("cancelled"));
    expect(await idle.process.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(await runners(sandbox)).toEqual([]);
  });

  it("is gone when the sandbox's first spawn is something else", async () => {
    const sandbox = await create();
    await untilRunners(sandbox, 1);
    const other = await finish(
      await sandbox.spawn({
        command: ["node", "-e", "console.log('other')"],
        env: {},
        signal: never,
      }),
    );
    expect(other.stdout).toBe("other\n");
    await untilRunners(sandbox, 0);
    // Nothing serves the idle spawn any more: it starts a runner by exec.
    const idle = await startIdleRunner(sandbox, sandbox.installedRunner?.path ?? "", never);
    expect(await idle.ready).toBe(true);
    await idle.process.kill();
  });

  it("cannot be reached by another process of the sandbox (attack)", async () => {
    const sandbox = await create();
    const idle = await startIdleRunner(sandbox, sandbox.installedRunner?.path ?? "", never);
    expect(await idle.ready).toBe(true);
    const [runner] = await runners(sandbox);
    // The agent's moves: connect to the runner's sockets, open its stdio through /proc.
    const attack = await finish(
      await sandbox.spawn({
        command: [
          "node",
          "-e",
          `const net = require("net"), fs = require("fs");
           const tries = ["in", "out", "err", "ctl"].map((name) => new Promise((resolve) => {
             const socket = net.connect("/run/sandcaster/runner-" + name + ".sock");
             socket.on("connect", () => { socket.write('{"config":{}}\\nkill\\n'); resolve(name + ": connected"); });
             socket.on("error", (error) => resolve(name + ": " + error.code));
           }));
           for (const fd of [0, 1, 2]) {
             try { fs.writeFileSync("/proc/${runner?.pid}/fd/" + fd, '{"type":"result"}\\n'); console.log("fd " + fd + ": written"); }
             catch (error) { console.log("fd " + fd + ": " + error.code); }
           }
           // Every socket of every process (the main process's control line among them).
           let sockets = 0;
           for (const pid of fs.readdirSync("/proc").filter((p) => /^\\d+$/.test(p) && Number(p) !== process.pid)) {
             let fds = [];
             try { fds = fs.readdirSync("/proc/" + pid + "/fd"); } catch {}
             for (const fd of fds) {
               try {
                 if (!fs.readlinkSync("/proc/" + pid + "/fd/" + fd).startsWith("socket:")) continue;
                 sockets++;
                 fs.writeFileSync("/proc/" + pid + "/fd/" + fd, "kill\\n");
                 console.log("socket " + pid + "/" + fd + ": written");
               } catch {}
             }
           }
           console.log("sockets tried: " + sockets);
           Promise.all(tries).then((lines) => console.log(lines.join("\\n")));`,
        ],
        env: {},
        signal: never,
      }),
    );
    expect(attack.stdout).not.toContain("written");
    expect(attack.stdout).not.toContain("connected");
    expect(attack.stdout.trim().split("\n")).toHaveLength(8);
    // The runner's three stdio sockets and the main process's control line, at least.
    expect(Number(/sockets tried: (\d+)/.exec(attack.stdout)?.[1])).toBeGreaterThanOrEqual(4);
    // The runner is still idle, untouched: nothing reached its stdout either.
    expect((await runners(sandbox)).map((proc) => proc.pid)).toEqual([runner?.pid]);
    await idle.process.kill();
    expect(await readAll(idle.process.stdout)).toBe("");
  });
});

describe.skipIf(!available)("the booted runner's changed files (real daemon)", () => {
  const { create } = dockerSandboxes(labels);
  const LIMITS = { maxFileBytes: 1000, maxTotalBytes: 100_000, maxFiles: 10 };

  it("are scanned by the main process as the runner exits, not by a later scan", async () => {
    const sandbox = await create();
    await sandbox.writeFiles([{ path: "/workspace/staged.txt", content: Buffer.from("x") }], never);
    const idle = await startIdleRunner(sandbox, sandbox.installedRunner?.path ?? "", never);
    expect(await idle.ready).toBe(true);
    // Written by a process beside the runner (not through the sandbox: a spawn would drop the scan).
    await nodeInContainer(sandbox.id, `require("fs").writeFileSync("/workspace/during.txt", "d")`);
    const writer = idle.process.stdin?.getWriter();
    await writer?.write(new TextEncoder().encode("not a config\n"));
    await writer?.close();
    await finish(idle.process);
    await nodeInContainer(sandbox.id, `require("fs").writeFileSync("/workspace/after.txt", "a")`);
    const changed = await sandbox.readChangedFiles(LIMITS, never);
    expect(changed.files.map((file) => file.path)).toEqual(["during.txt"]);
    expect(Buffer.from(changed.files[0]?.content ?? []).toString()).toBe("d");
    // Used once: the next read scans anew and sees the later file too.
    const again = await sandbox.readChangedFiles(LIMITS, never);
    expect(again.files.map((file) => file.path)).toEqual(["after.txt", "during.txt"]);
  });
});
