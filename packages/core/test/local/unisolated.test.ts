// The local provider without isolation ("none", or "auto" without a working bwrap), and create() errors.
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BWRAP_HINT, createLocalProvider } from "../../src/providers/local/index.js";
import type { LocalSandbox } from "../../src/providers/local/local-sandbox.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
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

describe("local provider without isolation", () => {
  let baseDir: string;
  const sandboxes: Sandbox[] = [];
  const warn = vi.fn();

  beforeEach(async () => {
    baseDir = await makeBaseDir();
    warn.mockReset();
  });

  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sb) => sb.destroy()));
    await rm(baseDir, { recursive: true, force: true });
  });

  async function sandbox(env: Record<string, string> = {}) {
    const provider = createLocalProvider({ isolation: "none", baseDir, logger: { warn } });
    expect(await provider.isAvailable()).toBe(true);
    const sb = await provider.create({ runId: "run/../x", env, limits: LIMITS, signal: signal() });
    sandboxes.push(sb);
    return sb;
  }

  it("uses host paths and carries a loud notice, also logged", async () => {
    const sb = await sandbox();
    const hostDir = (sb as LocalSandbox).hostDir;
    expect(hostDir.startsWith(`${baseDir}/sandcaster-local-run____x-`)).toBe(true);
    expect(sb.workspacePath).toBe(`${hostDir}/workspace`);
    expect(sb.runnerDir).toBe(`${hostDir}/runner`);
    expect(sb.nodePath).toBe(process.execPath);
    expect(sb.notices).toHaveLength(1);
    expect(sb.notices[0]).toMatch(/NOT isolated/);
    expect(warn).toHaveBeenCalledWith(expect.any(Object), sb.notices[0]);
  });

  it("streams live, reports the exit code, and runs in the workspace", async () => {
    const sb = await sandbox();
    const script =
      "process.stdout.write(process.cwd() + '\\n'); setTimeout(() => { process.stdout.write('two\\n'); process.exit(3); }, 300)";
    const proc = await sb.spawn({
      command: [sb.nodePath, "-e", script],
      env: {},
      signal: signal(),
    });
    let exited = false;
    const waited = proc.wait().then((s) => {
      exited = true;
      return s;
    });
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    expect(exited).toBe(false);
    expect(Buffer.from(first.value ?? []).toString()).toBe(`${sb.workspacePath}\n`);
    reader.releaseLock();
    expect(await readText(proc.stdout)).toBe("two\n");
    expect(await waited).toEqual({ exitCode: 3 });
  });

  it("builds the env from scratch (no leak of the server's env)", async () => {
    process.env.TEST_SECRET = "leaked";
    try {
      const sb = await sandbox({ A: "1" });
      const proc = await sb.spawn({
        command: ["node", "-e", "console.log(JSON.stringify(process.env))"],
        env: { B: "2" },
        signal: signal(),
      });
      const env = JSON.parse(await readText(proc.stdout));
      expect(await proc.wait()).toEqual({ exitCode: 0 });
      const nodeDir = dirname(process.execPath);
      const path = "/usr/local/bin:/usr/bin:/bin";
      expect(env).toEqual({
        PATH: path.split(":").includes(nodeDir) ? path : `${nodeDir}:${path}`,
        HOME: sb.workspacePath,
        A: "1",
        B: "2",
      });
    } finally {
      delete process.env.TEST_SECRET;
    }
  });

  it("kill() kills the process group and descendants in other sessions", async () => {
    const sb = await sandbox();
    const marker = uniqueSleepArg();
    const proc = await sb.spawn({
      command: [sb.nodePath, "-e", SPAWN_TREE_SCRIPT, marker],
      env: {},
      signal: signal(),
    });
    await readUntil(proc.stdout, "ready");
    expect((await livePidsWithMarker(marker)).length).toBe(4);
    void readText(proc.stdout);
    void readText(proc.stderr);
    await proc.kill();
    expect(await livePidsWithMarker(marker)).toEqual([]);
    expect(await proc.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
  });

  it("kills leftover group members when the main process exits", async () => {
    const sb = await sandbox();
    const marker = uniqueSleepArg();
    const script = `require("node:child_process").spawn("sleep", [process.argv[1]], { stdio: "inherit" }); setTimeout(() => process.exit(0), 200);`;
    const proc = await sb.spawn({
      command: [sb.nodePath, "-e", script, marker],
      env: {},
      signal: signal(),
    });
    void readText(proc.stdout);
    void readText(proc.stderr);
    // The sleep holds the pipes; wait() still resolves because the group goes with its leader.
    expect(await proc.wait()).toEqual({ exitCode: 0 });
    expect(await livePidsWithMarker(marker)).toEqual([]);
  });

  it("fails to spawn a missing command with SANDBOX_EXEC_FAILED", async () => {
    const sb = await sandbox();
    const error = await sb
      .spawn({ command: ["definitely-not-a-command-xyz"], env: {}, signal: signal() })
      .catch((e) => e);
    expect(SandboxError.isInstance(error) && error.code).toBe("SANDBOX_EXEC_FAILED");
  });

  it("destroy() removes the dir and is idempotent", async () => {
    const sb = await sandbox();
    const hostDir = (sb as LocalSandbox).hostDir;
    expect(existsSync(hostDir)).toBe(true);
    await sb.destroy();
    await sb.destroy();
    expect(sb.state).toBe("stopped");
    expect(existsSync(hostDir)).toBe(false);
    const error = await sb
      .readChangedFiles({ maxFileBytes: 1, maxTotalBytes: 1, maxFiles: 1 }, signal())
      .catch((e) => e);
    expect(SandboxError.isInstance(error) && error.code).toBe("SANDBOX_DESTROYED");
  });
});

describe("local provider isolation choice", () => {
  let baseDir: string;

  beforeEach(async () => {
    baseDir = await makeBaseDir();
  });

  afterEach(async () => {
    await rm(baseDir, { recursive: true, force: true });
  });

  it('"bwrap" without a working bwrap is unavailable and refuses to create', async () => {
    const provider = createLocalProvider({
      isolation: "bwrap",
      baseDir,
      bwrapPath: "/nonexistent/bwrap",
    });
    expect(provider.name).toBe("local");
    expect(await provider.isAvailable()).toBe(false);
    const error = await provider
      .create({ runId: "r", env: {}, limits: LIMITS, signal: signal() })
      .catch((e) => e);
    expect(SandboxError.isInstance(error) && error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(error.hint).toBe(BWRAP_HINT);
  });

  it('"bwrap" with a binary that fails is unavailable too', async () => {
    const provider = createLocalProvider({ isolation: "bwrap", baseDir, bwrapPath: "/bin/false" });
    expect(await provider.isAvailable()).toBe(false);
  });

  it('"auto" without a working bwrap falls back to an unisolated sandbox with a notice', async () => {
    const warn = vi.fn();
    const provider = createLocalProvider({
      isolation: "auto",
      baseDir,
      bwrapPath: "/bin/false",
      logger: { warn },
    });
    expect(await provider.isAvailable()).toBe(true);
    const sb = await provider.create({ runId: "r", env: {}, limits: LIMITS, signal: signal() });
    try {
      expect(sb.notices[0]).toMatch(/NOT isolated/);
      expect(sb.workspacePath.startsWith(baseDir)).toBe(true);
      expect(warn).toHaveBeenCalled();
    } finally {
      await sb.destroy();
    }
  });

  it("an aborted create leaves nothing behind", async () => {
    const provider = createLocalProvider({ isolation: "none", baseDir });
    const controller = new AbortController();
    controller.abort();
    await expect(
      provider.create({ runId: "r", env: {}, limits: LIMITS, signal: controller.signal }),
    ).rejects.toThrow();
    const { readdir } = await import("node:fs/promises");
    expect(await readdir(baseDir)).toEqual([]);
  });

  it("writes the server pid to .owner", async () => {
    const provider = createLocalProvider({ isolation: "none", baseDir });
    const sb = await provider.create({ runId: "r", env: {}, limits: LIMITS, signal: signal() });
    try {
      const owner = await readFile(`${(sb as LocalSandbox).hostDir}/.owner`, "utf8");
      expect(owner.split("\n")[0]).toBe(String(process.pid));
    } finally {
      await sb.destroy();
    }
  });
});
