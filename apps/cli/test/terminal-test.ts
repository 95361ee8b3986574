// What every test on a real terminal sets up: a temp dir of its own (the tmux server's socket lives
// there too), an Anthropic double scripted by the test, and the panes it opens. All are closed and
// removed after each test.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type ModelDouble, type ScriptedTurn, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach } from "vitest";
import { tempDir } from "./temp-dir.js";
import { openPane, type TmuxPane } from "./tmux.js";

export interface ModelEnv extends Record<string, string> {
  ANTHROPIC_API_KEY: string;
  ANTHROPIC_BASE_URL: string;
  SANDCASTER_DB: string;
}

export interface TerminalTest {
  /** This test's temp dir (the CLI's cwd). */
  readonly dir: string;
  /** Starts the model double with `turns`: the CLI's environment to reach it, its runs in `dir`. */
  modelEnv(turns: ScriptedTurn[]): Promise<ModelEnv>;
  /** Runs the CLI with `args` in a new pane (killed after the test). */
  open(args: string[], env: Record<string, string>): Promise<TmuxPane>;
}

/** Registers the per-test setup and teardown of a suite named `suite`. */
export function terminalTest(suite: string): TerminalTest {
  let dir = "";
  let double: ModelDouble | undefined;
  const panes: TmuxPane[] = [];
  beforeEach(async () => {
    dir = await tempDir(suite);
  });
  afterEach(async () => {
    for (const pane of panes.splice(0)) await pane.kill();
    await double?.close();
    double = undefined;
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    async modelEnv(turns) {
      double = await startAnthropicDouble({ turns });
      return {
        ANTHROPIC_API_KEY: "k",
        ANTHROPIC_BASE_URL: double.url,
        SANDCASTER_DB: join(dir, "runs.db"),
      };
    },
    async open(args, env) {
      const pane = await openPane(args, env, dir);
      panes.push(pane);
      return pane;
    },
  };
}
