// Runs the built runner bundle against a run gateway: unsandboxed, or in a bubblewrap sandbox with
// its own empty network namespace and the gateway's socket dir bound at /run/sandcaster.
import { spawn, spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunnerConfigInput } from "@sandcaster/protocol";
import { runnerBundlePath } from "../../src/run/runner-bundle.js";

export interface RunnerRun {
  /** Every stdout line, parsed as JSON (what the host's relay would read). */
  lines: Record<string, unknown>[];
  stderr: string;
  exitCode: number | null;
}

export interface RunnerHome {
  dir: string;
  workspace: string;
  /** Host directory playing the sandbox's host socket dir. */
  socketDir: string;
  cleanup(): Promise<void>;
}

export async function makeRunnerHome(): Promise<RunnerHome> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-gw-runner-"));
  const workspace = join(dir, "workspace");
  const socketDir = join(dir, "sock");
  await mkdir(workspace);
  await mkdir(socketDir);
  await copyFile(runnerBundlePath(), join(dir, "runner.mjs"));
  return { dir, workspace, socketDir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Whether this host can run the bwrap sandbox below (user namespaces, bwrap installed). */
export function bwrapWorks(): boolean {
  const probe = spawnSync(
    "bwrap",
    ["--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"],
    {
      stdio: "ignore",
    },
  );
  return probe.status === 0;
}

export async function runRunner(
  home: RunnerHome,
  config: Omit<RunnerConfigInput, "cwd">,
  options: { sandbox: "none" | "bwrap"; killAfterMs?: number },
): Promise<RunnerRun> {
  const configPath = join(home.dir, "config.json");
  await writeFile(configPath, JSON.stringify({ cwd: home.workspace, ...config }));
  const node = [process.execPath, join(home.dir, "runner.mjs"), "--config", configPath];
  // Only PATH and HOME: the provider key must not reach the runner by any route.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home.dir };
  const argv =
    options.sandbox === "bwrap"
      ? [
          "bwrap",
          "--ro-bind",
          "/",
          "/",
          "--dev",
          "/dev",
          "--proc",
          "/proc",
          "--tmpfs",
          "/tmp",
          "--bind",
          home.dir,
          home.dir,
          "--tmpfs",
          "/run",
          "--ro-bind",
          home.socketDir,
          "/run/sandcaster",
          "--unshare-net",
          "--unshare-pid",
          "--new-session",
          "--die-with-parent",
          "--chdir",
          home.workspace,
          ...node,
        ]
      : node;
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: home.workspace,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 60_000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  clearTimeout(guard);
  const lines = out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, stderr, exitCode };
}

export const ofType = (run: RunnerRun, type: string) => run.lines.filter((l) => l.type === type);
