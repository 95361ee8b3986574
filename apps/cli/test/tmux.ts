// Runs the CLI on a real pseudo-terminal: a private tmux server with a fixed-size window, so tests
// see what a person sees (capture-pane -e keeps the colours) and can press keys (send-keys C-c).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CLI } from "./cli-process.js";

const run = promisify(execFile);
const HOLD_PANE = fileURLToPath(new URL("./fixtures/hold-pane.mjs", import.meta.url));
export const TMUX = "/usr/bin/tmux";

let sessions = 0;

export interface TmuxPane {
  /** The screen, with colour escapes. */
  capture(): Promise<string>;
  /** Polls the screen until `pattern` matches it (on the text without escapes). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  keys(...keys: string[]): Promise<void>;
  /** Resolves with the exit status once the command ended ("signal SIGINT" if killed by one). */
  exited(timeoutMs?: number): Promise<number | string>;
  kill(): Promise<void>;
  /** The pane's title (what an OSC 0/2 sequence sets). */
  title(): Promise<string>;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping terminal escapes
const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

export async function openPane(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<TmuxPane> {
  // The server's socket lives in the test's dir, so removing the dir leaves nothing behind.
  const socket = join(cwd, `.tmux-${++sessions}`);
  const tmux = (...rest: string[]) =>
    run(TMUX, ["-S", socket, "-f", "/dev/null", ...rest], {
      // The server takes this environment, not the test runner's (no stray FORCE_COLOR or keys),
      // but the runner's temp dir: what a pane's CLI leaves must be where the test looks for it.
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        TERM: "xterm-256color",
        HOME: cwd,
        TMPDIR: tmpdir(),
      },
    });
  const vars = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const statusFile = `${socket}.status`;
  const command = [process.execPath, HOLD_PANE, statusFile, process.execPath, CLI, ...args];
  const quoted = command.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  await tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "40", "-c", cwd, ...vars, quoted);
  const capture = async () => (await tmux("capture-pane", "-p", "-e", "-t", "t")).stdout;
  return {
    capture,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = await capture();
        if (pattern.test(plain(screen))) return screen;
        if (Date.now() > deadline)
          throw new Error(`no ${pattern} on the screen:\n${plain(screen)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    keys: async (...keys) => {
      await tmux("send-keys", "-t", "t", ...keys);
    },
    async exited(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await readFile(statusFile, "utf8").catch(() => undefined);
        if (status) return /^\d+$/.test(status) ? Number(status) : status;
        if (Date.now() > deadline)
          throw new Error(`the command did not end:\n${plain(await capture())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    title: async () => (await tmux("display-message", "-p", "-t", "t", "#{pane_title}")).stdout,
    kill: async () => {
      await tmux("kill-server").catch(() => undefined);
    },
  };
}

export { plain };
