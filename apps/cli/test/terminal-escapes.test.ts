// Attack: a scripted model makes the agent print escape sequences, carriage returns and bidi
// overrides in its text, its tool output and its file names. The real CLI prints none of them
// (query, runs, runs show, sessions list and show), refuses such names in --out, and on a real terminal (tmux)
// the window title and the screen stay the CLI's own.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ScriptedTurn } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { terminalTest } from "./terminal-test.js";
import { plain } from "./tmux.js";

const term = terminalTest("escapes");

const ESC = "\x1b";
/** Set the window title, clear the screen, rewrite the line, reverse the text. */
const ATTACK = `${ESC}]0;PWNED${ESC}\\${ESC}]2;PWNED\x07${ESC}[2J${ESC}[H\r\u202e`;
// The shell spells the same bytes for the tool: octal escapes, expanded by printf in the sandbox.
const SHELL_ATTACK = "\\033]0;PWNED\\007\\033[2J\\033[H\\r";

const HOSTILE: ScriptedTurn[] = [
  {
    text: `before-text ${ATTACK}after-text\nsecond line`,
    toolCalls: [
      {
        name: "bash",
        input: {
          command:
            `printf 'tool-out ${SHELL_ATTACK}tool-end\\n'; ` +
            `printf 'x' > "$(printf 'evil${SHELL_ATTACK}name.txt')"; printf 'ok' > plain.txt`,
        },
      },
    ],
  },
  { text: `done ${ATTACK}end`, usage: { inputTokens: 10, outputTokens: 5 } },
];

async function envFor(turns: ScriptedTurn[]) {
  return { ...(await term.modelEnv([...turns])), HOME: term.dir };
}

/** Nothing a terminal would act on: no ESC, BEL, CR, C1 control or bidi override. */
function expectInert(output: string) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
  expect(output).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
}

const QUERY = [
  "query",
  `go ${ATTACK}`,
  "--model",
  "haiku",
  "--sandbox",
  "local",
  "--verbose",
  "--out",
  "out",
];

describe("escape sequences from the model and the sandbox", () => {
  it("never reach the terminal through query, runs, runs show; --out refuses such names", async () => {
    const env = await envFor(HOSTILE);
    const run = await runCli(QUERY, env, term.dir);
    expectInert(run.stdout);
    expectInert(run.stderr);
    // Streamed text arrives in chunks that may cut a sequence; no piece of it may act.
    expect(run.stdout).toMatch(/before-text [^\n]*after-text\n\s*second line/);
    expect(run.stdout).toContain("tool-out tool-end");
    expect(run.stdout).toMatch(/evil.*name\.txt/);
    expect(run.stderr + run.stdout).toContain("its name carries control characters");
    // The file with the hostile name was not written; the plain one was.
    expect(await readdir(join(term.dir, "out"))).toEqual(["plain.txt"]);

    const runs = await runCli(["runs"], env, term.dir);
    expectInert(runs.stdout);
    const id = /run_\S+/.exec(runs.stdout)?.[0] ?? "?";
    const show = await runCli(["runs", "show", id], env, term.dir);
    expect(show.code).toBe(0);
    expectInert(show.stdout);
    expect(show.stdout).toMatch(/prompt +go /);
    const json = await runCli(["runs", "show", id, "--json"], env, term.dir);
    expectInert(json.stdout);
    expect(JSON.parse(json.stdout).prompt).toBe(`go ${ATTACK}`);
    // Several CLI processes, one after another: slow on a loaded host, not stuck.
  }, 180_000);

  it("never reach the terminal through sessions (list and show)", async () => {
    const env = await envFor([]);
    const created = await runCli(
      ["sessions", "create", "--sandbox", "local", "--name", `name ${ATTACK}end`, "--json"],
      env,
      term.dir,
    );
    const session = JSON.parse(created.stdout) as { id: string; name: string };
    expect(session.name).toBe(`name ${ATTACK}end`); // the record keeps what was asked
    try {
      const list = await runCli(["sessions"], env, term.dir);
      expectInert(list.stdout);
      expect(list.stdout).toMatch(/name .*end$/m);
      const shown = await runCli(["sessions", "show", session.id], env, term.dir);
      expectInert(shown.stdout);
    } finally {
      await runCli(["sessions", "delete", session.id], env, term.dir);
    }
    // Several CLI processes, one after another: slow on a loaded host, not stuck.
  }, 180_000);

  it.runIf(hasService("tmux"))(
    "leave the title and the screen of a real terminal alone",
    async () => {
      const env = await envFor(HOSTILE);
      const pane = await term.open(QUERY, env);
      expect(await pane.exited()).toBe(0);
      const screen = plain(await pane.capture());
      // The screen was not cleared: the run's first line is still there, above its summary.
      expect(screen).toMatch(/▶ run run_[\s\S]*✓ completed/);
      expect(screen).toMatch(/before-text .*after-text/);
      expect(await pane.title()).not.toContain("PWNED");
    },
  );
});

it("the stray file was not created outside the sandbox either", () => {
  expect(existsSync(join(term.dir, "evil"))).toBe(false);
});
