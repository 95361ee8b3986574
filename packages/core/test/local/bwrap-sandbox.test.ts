// Real bubblewrap sandboxes: skipped without a working bwrap unless SANDCASTER_REQUIRE_BWRAP=1.
import { existsSync } from "node:fs";
import { copyFile, link, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkBwrap } from "../../src/providers/local/bwrap-host.js";
import { createLocalProvider } from "../../src/providers/local/index.js";
import type { LocalSandbox } from "../../src/providers/local/local-sandbox.js";
import type { Sandbox, SandboxLimits } from "../../src/sandbox/sandbox.js";
import { SandboxError } from "../../src/sandbox/sandbox-error.js";
import {
  LIMITS,
  livePidsWithMarker,
  makeBaseDir,
  readText,
  readUntil,
  SPAWN_TREE_SCRIPT,
  signal,
  uniqueSleepArg,
} from "./helpers.js";

const status = await checkBwrap(undefined, process.execPath);
const required = process.env.SANDCASTER_REQUIRE_BWRAP === "1";

describe.runIf(required)("bwrap requirement", () => {
  it("has a working bwrap", () => {
    expect(status).toMatchObject({ ok: true });
  });
});

describe.runIf(hasService("bwrap"))("local provider with bwrap", () => {
  let baseDir: string;
  const sandboxes: Sandbox[] = [];

  beforeEach(async () => {
    baseDir = await makeBaseDir();
  });

  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sb) => sb.destroy()));
    await rm(baseDir, { recursive: true, force: true });
  });

  async function sandbox(limits: Partial<SandboxLimits> = {}, env: Record<string, string> = {}) {
    const provider = createLocalProvider({ isolation: "bwrap", baseDir });
    const sb = await provider.create({
      runId: "run-1",
      env,
      limits: { ...LIMITS, ...limits },
      signal: signal(),
    });
    sandboxes.push(sb);
    return sb;
  }

  /** Runs `node -e script` in the sandbox and returns stdout parsed as JSON. */
  async function runJson(sb: Sandbox, script: string, env: Record<string, string> = {}) {
    const proc = await sb.spawn({ command: [sb.nodePath, "-e", script], env, signal: signal() });
    const [out, err, exit] = await Promise.all([
      readText(proc.stdout),
      readText(proc.stderr),
      proc.wait(),
    ]);
    expect(exit, err).toEqual({ exitCode: 0 });
    return JSON.parse(out);
  }

  it("creates the sandbox with in-sandbox paths, an owner file and no notices", async () => {
    const sb = await sandbox();
    expect(sb.provider).toBe("local");
    expect(sb.state).toBe("ready");
    expect(sb.workspacePath).toBe("/workspace");
    expect(sb.runnerDir).toBe("/opt/sandcaster");
    expect(sb.nodePath).toBe(
      await import("node:fs/promises").then((fs) => fs.realpath(process.execPath)),
    );
    expect(sb.notices).toEqual([]);
    const hostDir = (sb as LocalSandbox).hostDir;
    expect(hostDir.startsWith(`${baseDir}/sandcaster-local-run-1-`)).toBe(true);
    expect((await readFile(`${hostDir}/.owner`, "utf8")).split("\n")[0]).toBe(String(process.pid));
    expect(existsSync(`${hostDir}/workspace`) && existsSync(`${hostDir}/runner`)).toBe(true);
  });

  it('"auto" picks bwrap when it works', async () => {
    const provider = createLocalProvider({ isolation: "auto", baseDir });
    expect(await provider.isAvailable()).toBe(true);
    const sb = await provider.create({ runId: "auto", env: {}, limits: LIMITS, signal: signal() });
    sandboxes.push(sb);
    expect(sb.workspacePath).toBe("/workspace");
    expect(sb.notices).toEqual([]);
  });

  it("streams stdout live: the first chunk arrives before the process exits", async () => {
    const sb = await sandbox();
    const script =
      "process.stdout.write('one\\n'); setTimeout(() => process.stdout.write('two\\n'), 300)";
    const proc = await sb.spawn({
      command: [sb.nodePath, "-e", script],
      env: {},
      signal: signal(),
    });
    expect(sb.state).toBe("running");
    let exited = false;
    const waited = proc.wait().then((s) => {
      exited = true;
      return s;
    });
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    expect(exited).toBe(false);
    expect(Buffer.from(first.value ?? []).toString()).toBe("one\n");
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += Buffer.from(r.value).toString();
    expect(rest).toBe("two\n");
    expect(await waited).toEqual({ exitCode: 0 });
  });

  it("reports the exit code and stderr", async () => {
    const sb = await sandbox();
    const proc = await sb.spawn({
      command: [sb.nodePath, "-e", "console.error('bad'); process.exit(7)"],
      env: {},
      signal: signal(),
    });
    const [err] = await Promise.all([readText(proc.stderr), readText(proc.stdout)]);
    expect(err).toBe("bad\n");
    expect(await proc.wait()).toEqual({ exitCode: 7 });
  });

  it("hides the host: no repo, no /root, read-only /usr, uid 1000, own pid namespace", async () => {
    const sb = await sandbox();
    const result = await runJson(
      sb,
      `const fs = require("node:fs");
      let usrWrite = "ok";
      try { fs.writeFileSync("/usr/sandcaster-probe", "x"); } catch (e) { usrWrite = e.code; }
      let runnerWrite = "ok";
      try { fs.writeFileSync("/opt/sandcaster/x", "x"); } catch (e) { runnerWrite = e.code; }
      fs.writeFileSync("/workspace/made-inside.txt", "hello");
      console.log(JSON.stringify({
        repo: fs.existsSync("${process.cwd()}") || fs.existsSync("/work/main") || fs.existsSync("/work"),
        root: fs.existsSync("/root"), home: fs.existsSync("/home"),
        shadow: fs.existsSync("/etc/shadow"), hostTmp: fs.readdirSync("/tmp"),
        baseDir: fs.existsSync(${JSON.stringify(baseDir)}),
        usrWrite, runnerWrite, uid: process.getuid(), gid: process.getgid(), pid: process.pid,
        pids: fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n)),
        capEff: fs.readFileSync("/proc/self/status", "utf8").match(/CapEff:\\s*(\\w+)/)[1],
        cwd: process.cwd(), user: fs.readFileSync("/etc/passwd", "utf8").includes("sandcaster:x:1000"),
        resolv: fs.existsSync("/etc/resolv.conf"),
      }));`,
    );
    expect(result).toMatchObject({
      repo: false,
      root: false,
      home: false,
      shadow: false,
      hostTmp: [],
      baseDir: false,
      uid: 1000,
      gid: 1000,
      capEff: "0000000000000000",
      cwd: "/workspace",
      user: true,
    });
    expect(["EROFS", "EACCES"]).toContain(result.usrWrite);
    expect(["EROFS", "EACCES"]).toContain(result.runnerWrite);
    expect(result.pid).toBeLessThan(10);
    expect(result.pids.length).toBeLessThan(5);
    const hostDir = (sb as LocalSandbox).hostDir;
    expect(await readFile(`${hostDir}/workspace/made-inside.txt`, "utf8")).toBe("hello");
  });

  it("passes only the sandbox and spawn env (no leak of the server's env)", async () => {
    process.env.TEST_SECRET = "leaked";
    try {
      const sb = await sandbox({}, { SANDBOX_VAR: "s", SHARED: "from-create" });
      const env = await runJson(sb, "console.log(JSON.stringify(process.env))", {
        API_KEY: "k",
        SHARED: "from-spawn",
      });
      // bwrap itself sets PWD after --chdir.
      expect(env).toEqual({
        PATH: "/usr/local/bin:/usr/bin:/bin",
        HOME: "/workspace",
        PWD: "/workspace",
        SANDBOX_VAR: "s",
        SHARED: "from-spawn",
        API_KEY: "k",
      });
    } finally {
      delete process.env.TEST_SECRET;
    }
  });

  it("network none leaves only the loopback interface", async () => {
    const sb = await sandbox({ network: "none" });
    const ifaces: string[] = await runJson(
      sb,
      `const lines = require("node:fs").readFileSync("/proc/net/dev", "utf8").split("\\n").slice(2);
      console.log(JSON.stringify(lines.filter(Boolean).map((l) => l.split(":")[0].trim())));`,
    );
    expect(ifaces).toEqual(["lo"]);
  });

  it("other network modes share the host's network namespace", async () => {
    const sb = await sandbox({ network: "bridge" });
    const script = `const lines = require("node:fs").readFileSync("/proc/net/dev", "utf8").split("\\n").slice(2);
      console.log(JSON.stringify(lines.filter(Boolean).map((l) => l.split(":")[0].trim()).sort()));`;
    const host = (await readFile("/proc/net/dev", "utf8"))
      .split("\n")
      .slice(2)
      .filter(Boolean)
      .map((l) => l.split(":")[0]?.trim())
      .sort();
    expect(await runJson(sb, script)).toEqual(host);
  });

  it("binds the node directory read-only when node lives outside the system dirs", async () => {
    const nodeDir = join(baseDir, "node-install", "bin");
    await mkdir(nodeDir, { recursive: true });
    const nodeCopy = join(nodeDir, "node");
    await link(process.execPath, nodeCopy).catch(() => copyFile(process.execPath, nodeCopy));
    const provider = createLocalProvider({ isolation: "bwrap", baseDir, nodePath: nodeCopy });
    const sb = await provider.create({ runId: "n", env: {}, limits: LIMITS, signal: signal() });
    sandboxes.push(sb);
    expect(sb.nodePath).toBe("/opt/sandcaster-node/node");
    const result = await runJson(
      sb,
      `const fs = require("node:fs");
      let write = "ok";
      try { fs.writeFileSync("/opt/sandcaster-node/x", "x"); } catch (e) { write = e.code; }
      console.log(JSON.stringify({ exe: process.execPath, path: process.env.PATH, write,
        hostDir: fs.existsSync(${JSON.stringify(nodeDir)}) }));`,
    );
    expect(result).toEqual({
      exe: "/opt/sandcaster-node/node",
      path: "/opt/sandcaster-node:/usr/local/bin:/usr/bin:/bin",
      write: "EROFS",
      hostDir: false,
    });
  });

  it("kill() kills the whole process tree, idempotently", async () => {
    const sb = await sandbox();
    const marker = uniqueSleepArg();
    const proc = await sb.spawn({
      command: [sb.nodePath, "-e", SPAWN_TREE_SCRIPT, marker],
      env: {},
      signal: signal(),
    });
    expect(await readUntil(proc.stdout, "ready")).toContain("ready");
    // bwrap, bwrap's init, node and three sleeps carry the marker.
    expect((await livePidsWithMarker(marker)).length).toBeGreaterThanOrEqual(5);
    const stderr = readText(proc.stderr);
    const stdout = readText(proc.stdout);
    await Promise.all([proc.kill(), proc.kill()]);
    expect(await livePidsWithMarker(marker)).toEqual([]);
    expect(await proc.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    await Promise.all([stdout, stderr]);
    await proc.kill();
  });

  it("an aborted spawn signal kills the process", async () => {
    const sb = await sandbox();
    const marker = uniqueSleepArg();
    const controller = new AbortController();
    const proc = await sb.spawn({
      command: [sb.nodePath, "-e", SPAWN_TREE_SCRIPT, marker],
      env: {},
      signal: controller.signal,
    });
    await readUntil(proc.stdout, "ready");
    void readText(proc.stdout);
    void readText(proc.stderr);
    controller.abort();
    expect((await proc.wait()).signal).toBe("SIGKILL");
    await proc.kill();
    expect(await livePidsWithMarker(marker)).toEqual([]);
  });

  it("destroy() kills running processes, removes the dir, is idempotent and final", async () => {
    const sb = await sandbox();
    const hostDir = (sb as LocalSandbox).hostDir;
    const marker = uniqueSleepArg();
    const proc = await sb.spawn({
      command: [sb.nodePath, "-e", SPAWN_TREE_SCRIPT, marker],
      env: {},
      signal: signal(),
    });
    await readUntil(proc.stdout, "ready");
    await Promise.all([sb.destroy(), sb.destroy()]);
    await sb.destroy();
    expect(sb.state).toBe("stopped");
    expect(existsSync(hostDir)).toBe(false);
    expect(await livePidsWithMarker(marker)).toEqual([]);
    const error = await sb.spawn({ command: ["true"], env: {}, signal: signal() }).catch((e) => e);
    expect(SandboxError.isInstance(error) && error.code).toBe("SANDBOX_DESTROYED");
  });

  it("stages files under the workspace and runner dir only, and runs the staged runner", async () => {
    const sb = await sandbox();
    await sb.writeFiles(
      [
        {
          path: "/opt/sandcaster/runner.mjs",
          content: Buffer.from("console.log('runner ' + process.argv[2])"),
        },
        { path: "/workspace/src/input.txt", content: Buffer.from("input"), mode: 0o600 },
      ],
      signal(),
    );
    for (const path of [
      "/etc/passwd",
      "/workspace/../etc/x",
      "relative.txt",
      "/workspace",
      "/opt/other",
    ]) {
      const error = await sb
        .writeFiles([{ path, content: new Uint8Array() }], signal())
        .catch((e) => e);
      expect(SandboxError.isInstance(error) && error.code, path).toBe("SANDBOX_IO_FAILED");
    }
    const proc = await sb.spawn({
      command: [sb.nodePath, "/opt/sandcaster/runner.mjs", "ok"],
      env: {},
      cwd: "/workspace/src",
      signal: signal(),
    });
    expect(await readText(proc.stdout)).toBe("runner ok\n");
    expect(await proc.wait()).toEqual({ exitCode: 0 });
    const changed = await sb.readChangedFiles(
      { maxFileBytes: 1e6, maxTotalBytes: 1e6, maxFiles: 10 },
      signal(),
    );
    expect(changed).toEqual({ files: [], skipped: [] });
  });

  it("reports files the sandboxed process creates or modifies", async () => {
    const sb = await sandbox();
    await sb.writeFiles(
      [
        { path: "/workspace/keep.txt", content: Buffer.from("keep") },
        { path: "/workspace/edit.txt", content: Buffer.from("edit") },
      ],
      signal(),
    );
    await runJson(
      sb,
      `const fs = require("node:fs");
      fs.writeFileSync("edit.txt", "EDIT");
      fs.mkdirSync("out");
      fs.writeFileSync("out/new.bin", Buffer.from([0, 1, 2, 255]));
      fs.symlinkSync("/etc/passwd", "link");
      console.log("{}");`,
    );
    const changed = await sb.readChangedFiles(
      { maxFileBytes: 1e6, maxTotalBytes: 1e6, maxFiles: 10 },
      signal(),
    );
    expect(changed.skipped).toEqual([]);
    expect(changed.files.map((f) => [f.path, Buffer.from(f.content).toString("hex")])).toEqual([
      ["edit.txt", Buffer.from("EDIT").toString("hex")],
      ["out/new.bin", "000102ff"],
    ]);
  });
});
