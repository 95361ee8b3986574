// sweepOrphans(): removes sandbox dirs of dead servers, keeps live ones.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readProcStat } from "../../src/host/proc.js";
import { createLocalProvider } from "../../src/providers/local/index.js";
import { parseOwner } from "../../src/providers/local/orphans.js";
import { LIMITS, makeBaseDir, signal } from "./helpers.js";

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  if (child.pid === undefined) throw new Error("no pid");
  return child.pid;
}

async function fakeSandboxDir(baseDir: string, name: string, owner: string | null) {
  const dir = join(baseDir, `sandcaster-local-${name}`);
  await mkdir(join(dir, "workspace"), { recursive: true });
  await writeFile(join(dir, "workspace", "f"), "x");
  if (owner !== null) await writeFile(join(dir, ".owner"), owner);
  return dir;
}

describe("sweepOrphans", () => {
  let baseDir: string;

  beforeEach(async () => {
    baseDir = await makeBaseDir();
  });

  afterEach(async () => {
    await rm(baseDir, { recursive: true, force: true });
  });

  it("removes dirs of dead or non-node owners and keeps live ones", async () => {
    const provider = createLocalProvider({ isolation: "none", baseDir });
    const live = await provider.create({
      runId: "live",
      env: {},
      limits: LIMITS,
      signal: signal(),
    });
    const dead = await fakeSandboxDir(baseDir, "dead-1", `${await deadPid()}\n`);
    const self = await fakeSandboxDir(baseDir, "self-1", `${process.pid}\n1\n`);
    const notNode = await fakeSandboxDir(baseDir, "notnode-1", "1\n");
    const alive = await fakeSandboxDir(baseDir, "alive-1", `${process.pid}\n`);
    const fresh = await fakeSandboxDir(baseDir, "ownerless-1", null);
    const other = join(baseDir, "something-else");
    await mkdir(other);
    try {
      expect(await provider.sweepOrphans?.()).toBe(2);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(notNode)).toBe(false);
      // Our own pid always counts as alive: a server never sweeps its own sandboxes.
      expect(existsSync(self)).toBe(true);
      expect(existsSync(alive)).toBe(true);
      expect(existsSync(fresh)).toBe(true);
      expect(existsSync(other)).toBe(true);
      expect(existsSync(live.workspacePath)).toBe(true);
    } finally {
      await live.destroy();
    }
  });

  it("uses the recorded start time to tell a reused pid apart", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], {
      stdio: "ignore",
    });
    try {
      await new Promise((resolve) => child.once("spawn", resolve));
      const stat = await readProcStat(child.pid ?? -1);
      expect(stat).not.toBeNull();
      const provider = createLocalProvider({ isolation: "none", baseDir });
      const same = await fakeSandboxDir(baseDir, "same-1", `${child.pid}\n${stat?.startTime}\n`);
      const reused = await fakeSandboxDir(baseDir, "reused-1", `${child.pid}\n1\n`);
      expect(await provider.sweepOrphans?.()).toBe(1);
      expect(existsSync(same)).toBe(true);
      expect(existsSync(reused)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("sweeps a dir whose owner is alive but not a node process", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await new Promise((resolve) => child.once("spawn", resolve));
      const provider = createLocalProvider({ isolation: "none", baseDir });
      const dir = await fakeSandboxDir(baseDir, "sleep-1", `${child.pid}\n`);
      expect(await provider.sweepOrphans?.()).toBe(1);
      expect(existsSync(dir)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("parses owner files", () => {
    expect(parseOwner("123\n456\n")).toEqual({ pid: 123, startTime: "456" });
    expect(parseOwner("123")).toEqual({ pid: 123 });
    expect(parseOwner("abc")).toBeNull();
    expect(parseOwner("0\n")).toBeNull();
  });

  it("returns 0 when the base dir does not exist", async () => {
    const provider = createLocalProvider({ isolation: "none", baseDir: join(baseDir, "missing") });
    expect(await provider.sweepOrphans?.()).toBe(0);
  });
});
