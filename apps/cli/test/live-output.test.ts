import type { ScriptedTurn } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { describe, expect, it } from "vitest";
import { expectNoLocalLeftovers } from "./helpers.js";
import { terminalTest } from "./terminal-test.js";
import { plain } from "./tmux.js";

const term = terminalTest("live");

const COMMAND = "for i in 1 2 3 4 5; do echo line$i; done; sleep 60";

const TURNS: ScriptedTurn[] = [
  { toolCalls: [{ name: "bash", input: { command: COMMAND } }] },
  { text: "never" },
];
const QUERY = ["query", "go", "--model", "haiku", "--sandbox", "local"];
const SPINNER = "[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]";

describe.runIf(hasService("tmux"))("live tool output on a terminal", () => {
  it("shows the last lines under the spinner while the tool runs, and clears them after", async () => {
    const pane = await term.open(QUERY, await term.modelEnv(TURNS));
    const screen = plain(
      await pane.waitFor(
        new RegExp(`${SPINNER} bash {2}for i.*\\n\\s+│ line3\\n\\s+│ line4\\n\\s+│ line5`),
      ),
    );
    // Only the last three lines: the earlier ones scrolled out of the tail.
    expect(screen).not.toMatch(/│ line[12]\b/);
    const runId = /▶ run (run_\S+)/.exec(screen)?.[1] ?? "";
    await pane.keys("C-c");
    expect(await pane.exited()).toBe(130);
    const after = plain(await pane.capture());
    expect(after).not.toMatch(/│ line/);
    expect(after).not.toMatch(new RegExp(SPINNER));
    expect(await expectNoLocalLeftovers(runId)).toEqual([]);
  });

  it("--verbose prints every line as it comes", async () => {
    const pane = await term.open([...QUERY, "--verbose"], await term.modelEnv(TURNS));
    const screen = plain(await pane.waitFor(/│ line1\n.*│ line2\n.*│ line3\n.*│ line4\n.*│ line5/));
    expect(screen).toMatch(new RegExp(`│ line5\\n${SPINNER} bash`));
    await pane.keys("C-c");
    expect(await pane.exited()).toBe(130);
  });
});
