// Local session workspaces: refs outside workspacesDir are refused, deletion, and the orphan sweep.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalProvider, type LocalSandboxProvider } from "../../src/providers/local/index.js";
import type { LocalSandbox } from "../../src/providers/local/local-sandbox.js";
import type { SessionWorkspace } from "../../src/sandbox/sandbox.js";
import { rawTar, streamOf } from "../workspace-archives.js";
import { LIMITS, makeBaseDir, signal } from "./helpers.js";

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  if (child.pid === undefined) throw new Error("no pid");
  return child.pid;
}

describe("local session workspace refs, deletion and sweeps", () => {
  let baseDir: string;
  let workspacesDir: string;
  let provider: LocalSandboxProvider;

  beforeEach(async () => {
    baseDir = await makeBaseDir();
    // Named like sandbox dirs on purpose: the sweep must still spare it.
    workspacesDir = join(baseDir, "sandcaster-local-workspaces");
    provider = createLocalProvider({ isolation: "none", baseDir, workspacesDir });
  });

  afterEach(async () => {
    await rm(baseDir, { recursive: true, force: true });
  });

  const create = (workspace: SessionWorkspace) =>
    provider.create({ runId: "turn", env: {}, limits: LIMITS, workspace, signal: signal() });

  it("refuses refs that are not its workspace dirs, for every operation", async () => {
    const real = await provider.createWorkspace("ses", signal());
    const outside = join(baseDir, "outside");
    await mkdir(outside);
    await writeFile(join(outside, "secret"), "s");
    await symlink(outside, join(workspacesDir, "sandcaster-ws-evil"));
    const tar = await rawTar([{ name: "x", type: "file", content: "x" }]);
    const refs: SessionWorkspace[] = [
      { provider: "local", ref: outside },
      { provider: "local", ref: "/etc" },
      { provider: "local", ref: `${workspacesDir}/../outside` },
      { provider: "local", ref: `${workspacesDir}/not-a-workspace` },
      { provider: "local", ref: `${real.ref}/inner` },
      { provider: "local", ref: `${real.ref}/` },
      { provider: "local", ref: "sandcaster-ws-relative" },
      { provider: "docker", ref: real.ref },
    ];
    for (const workspace of refs) {
      await expect(provider.exportWorkspace(workspace, signal())).rejects.toMatchObject({
        code: "SANDBOX_IO_FAILED",
      });
      await expect(
        provider.importWorkspace(workspace, streamOf(tar), signal()),
      ).rejects.toMatchObject({
        code: "SANDBOX_IO_FAILED",
      });
      await expect(provider.deleteWorkspace(workspace, signal())).rejects.toMatchObject({
        code: "SANDBOX_IO_FAILED",
      });
      await expect(create(workspace)).rejects.toMatchObject({ code: "SANDBOX_CREATE_FAILED" });
    }
    // Our name, but a symlink out: never bound, read or written; deleting drops only the link.
    const link = { provider: "local" as const, ref: join(workspacesDir, "sandcaster-ws-evil") };
    await expect(create(link)).rejects.toMatchObject({ code: "SANDBOX_CREATE_FAILED" });
    await expect(provider.exportWorkspace(link, signal())).rejects.toMatchObject({
      code: "SANDBOX_IO_FAILED",
    });
    await expect(provider.importWorkspace(link, streamOf(tar), signal())).rejects.toMatchObject({
      code: "SANDBOX_IO_FAILED",
    });
    await provider.deleteWorkspace(link, signal());
    expect(existsSync(link.ref)).toBe(false);
    expect(await readFile(join(outside, "secret"), "utf8")).toBe("s");
    expect(existsSync(real.ref)).toBe(true);
  });

  it("deleteWorkspace destroys sandboxes using it, removes the dir, and is idempotent", async () => {
    const workspace = await provider.createWorkspace("ses-delete", signal());
    await writeFile(join(workspace.ref, "f"), "x");
    const sandbox = await create(workspace);
    await provider.deleteWorkspace(workspace, signal());
    expect(existsSync(workspace.ref)).toBe(false);
    expect(sandbox.state).toBe("stopped");
    expect(existsSync((sandbox as LocalSandbox).hostDir)).toBe(false);
    await provider.deleteWorkspace(workspace, signal());
    await expect(create(workspace)).rejects.toMatchObject({ code: "SANDBOX_CREATE_FAILED" });
    expect(existsSync(workspace.ref)).toBe(false);
  });

  it("destroy() keeps the workspace; the orphan sweep removes a dead turn's dir, never workspaces", async () => {
    const workspace = await provider.createWorkspace("ses-sweep", signal());
    const crashed = (await create(workspace)) as LocalSandbox;
    await writeFile(join(workspace.ref, "kept.txt"), "kept");
    // The turn's server died: its dir is an orphan, the workspace it used is not.
    await writeFile(join(crashed.hostDir, ".owner"), `${await deadPid()}\n`);
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(workspacesDir, old, old);
    await utimes(workspace.ref, old, old);
    expect(await provider.sweepOrphans(signal())).toBe(1);
    expect(existsSync(crashed.hostDir)).toBe(false);
    expect(await readFile(join(workspace.ref, "kept.txt"), "utf8")).toBe("kept");

    const next = await create(workspace);
    await next.destroy();
    expect(await readFile(join(workspace.ref, "kept.txt"), "utf8")).toBe("kept");
    await crashed.destroy();
  });

  it("the default workspacesDir under baseDir is spared by the sweep too", async () => {
    const defaults = createLocalProvider({ isolation: "none", baseDir });
    const workspace = await defaults.createWorkspace("ses", signal());
    expect(workspace.ref.startsWith(`${baseDir}/sandcaster-workspaces/`)).toBe(true);
    expect(await defaults.sweepOrphans(signal())).toBe(0);
    expect(existsSync(workspace.ref)).toBe(true);
  });
});
