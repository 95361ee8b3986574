// Runs the built `sandcaster` binary as a real child process.
import { type ChildProcess, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/**
 * A child's environment: `env` over PATH and the suite's temp dir. Without TMPDIR a child's local
 * runs went to /tmp while the leftover checks (`localLeftovers`) looked in the suite's own.
 */
export function childEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", TMPDIR: tmpdir(), ...env };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<Finished> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv(env),
    ...(cwd ? { cwd } : {}),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  logs: () => string;
  exited: Promise<number | null>;
}

/** Starts `sandcaster serve --port 0` and resolves with its URL, read from its first log lines. */
export function startServe(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], {
    env: childEnv(env),
    ...(cwd ? { cwd } : {}),
  });
  let logs = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${logs}`)), 20_000);
    const onData = (chunk: Buffer) => {
      logs += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(logs);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], logs: () => logs, exited });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => {
      logs += chunk;
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${logs}`)));
  });
}

export interface LiveCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout matches `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  finished: Promise<Finished & { signal: NodeJS.Signals | null }>;
}

/** Starts the CLI and lets the test watch its output while it runs (to send it signals). */
export function startCli(args: string[], env: Record<string, string>, cwd?: string): LiveCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv(env),
    ...(cwd ? { cwd } : {}),
  });
  let stdout = "";
  let stderr = "";
  const watchers = new Set<() => void>();
  child.stdout?.on("data", (d) => {
    stdout += d;
    for (const w of watchers) w();
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const finished = new Promise<Finished & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    finished,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout)) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no ${pattern} in:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
  };
}
