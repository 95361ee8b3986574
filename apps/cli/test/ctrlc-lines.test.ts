// On a terminal (tmux), Ctrl-C keeps what the run showed: the tool that was running stays on the
// screen as a line of its own, and quitting at once (a second Ctrl-C) leaves no spinner behind
// on the line the shell's prompt comes back to.
import type { ScriptedTurn } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { describe, expect, it } from "vitest";
import { expectNoLocalLeftovers } from "./helpers.js";
import { terminalTest } from "./terminal-test.js";
import { plain } from "./tmux.js";

const term = terminalTest("ctrlc");

const QUERY = ["query", "go", "--model", "haiku", "--sandbox", "local"];
const SLEEPING: ScriptedTurn[] = [
  { text: "Sleeping.", toolCalls: [{ name: "bash", input: { command: "sleep 60.3" } }] },
  { text: "never" },
];

describe.runIf(hasService("tmux"))("Ctrl-C on a terminal", () => {
  it("keeps the running tool's line on the screen", async () => {
    const pane = await term.open(QUERY, await term.modelEnv(SLEEPING));
    await pane.waitFor(/bash {2}sleep 60\.3 \d+\.\ds/);
    await pane.keys("C-c");
    expect(await pane.exited()).toBe(130);
    const lines = plain(await pane.capture())
      .trimEnd()
      .split("\n");
    // The call that was running keeps its line, marked cancelled, with its time.
    const tool = lines.findIndex((l) =>
      /^✗ bash {2}sleep 60\.3 {2}— cancelled {2}\([\d.]+s\)$/.test(l),
    );
    expect(tool, lines.join("\n")).toBeGreaterThan(0);
    expect(lines.indexOf("✗ [CANCELLED] cancelled with Ctrl-C")).toBeGreaterThan(tool);
    expect(lines.at(-1)).toMatch(/^■ cancelled · [\d.]+s$/);
  });

  it("a second Ctrl-C quits at once and leaves no spinner on the prompt's line", async () => {
    const pane = await term.open(QUERY, await term.modelEnv(SLEEPING));
    const running = plain(await pane.waitFor(/bash {2}sleep 60\.3 \d+\.\ds/));
    const runId = /▶ run (run_\S+)/.exec(running)?.[1] ?? "";
    await pane.keys("C-c");
    await pane.waitFor(/Ctrl-C again to quit at once/);
    await pane.keys("C-c");
    expect(await pane.exited()).toBe(130);
    const screen = plain(await pane.capture());
    const lines = screen.trimEnd().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^✗ bash {2}sleep 60\.3 {2}— cancelled/));
    // The last thing written is our own line, then a newline: the prompt's line is empty.
    expect(lines.at(-1)).toBe("stopped without waiting");
    expect(screen).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]|cancelling \d/);
    // Quitting at once kills the sandbox's processes with the CLI; a cleaner it left behind then
    // removes the sandbox's dir (with its mounted workspace image), as a server's start would.
    expect(await expectNoLocalLeftovers(runId, 30_000)).toEqual([]);
  });
});
