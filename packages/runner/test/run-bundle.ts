// Runs the built runner bundle as a child process, from a copy outside the repo, and collects its output.
import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type RunnerConfigInput,
  type SandcasterEvent,
  SandcasterEventSchema,
} from "@sandcaster/protocol";

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "runner.mjs");

export interface BundleRun {
  events: SandcasterEvent[];
  /** Raw stdout lines, to prove nothing but events is printed. */
  lines: string[];
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  workspace: string;
  elapsedMs: number;
}

export interface Workspace {
  dir: string;
  workspace: string;
  cleanup(): Promise<void>;
}

/** A temp dir holding a copy of the bundle (no node_modules anywhere near) and a workspace. */
export async function makeWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-runner-"));
  const workspace = join(dir, "workspace");
  await import("node:fs/promises").then((fs) => fs.mkdir(workspace));
  await copyFile(BUNDLE, join(dir, "runner.mjs"));
  return { dir, workspace, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface RunOptions {
  killAfterMs?: number;
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void;
  /** Node's own flags, before the runner file (e.g. a startup snapshot's). */
  nodeArgs?: string[];
}

export async function runBundle(
  ws: Workspace,
  config: Omit<RunnerConfigInput, "cwd"> & { cwd?: string },
  env: Record<string, string>,
  options: RunOptions = {},
): Promise<BundleRun> {
  const configPath = join(ws.dir, "config.json");
  await writeFile(configPath, JSON.stringify({ cwd: ws.workspace, ...config }));
  return runRaw(ws, ["--config", configPath], env, options);
}

export function runRaw(
  ws: Workspace,
  args: string[],
  env: Record<string, string>,
  options: RunOptions = {},
): Promise<BundleRun> {
  const started = Date.now();
  // Only PATH and HOME from the host: keys present on a developer's machine must not leak in.
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), join(ws.dir, "runner.mjs"), ...args],
    {
      cwd: ws.dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: ws.dir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines: string[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      options.onLine?.(line, child);
      newline = buffer.indexOf("\n");
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 25_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearTimeout(guard);
      if (buffer) lines.push(buffer);
      const events = lines.map((line) => SandcasterEventSchema.parse(JSON.parse(line)));
      resolve({
        events,
        lines,
        stderr,
        exitCode,
        signal,
        workspace: ws.workspace,
        elapsedMs: Date.now() - started,
      });
    });
  });
}

export function ofType<T extends SandcasterEvent["type"]>(events: SandcasterEvent[], type: T) {
  return events.filter((e): e is Extract<SandcasterEvent, { type: T }> => e.type === type);
}
