import { hasService } from "@sandcaster/testkit/services";
import { describe, expect, it } from "vitest";
import { expectNoLocalLeftovers } from "./helpers.js";
import { terminalTest } from "./terminal-test.js";
import { plain } from "./tmux.js";

const term = terminalTest("tty");

const ESC = "\x1b";
const QUERY = ["query", "go", "--model", "haiku", "--sandbox", "local"];

describe.runIf(hasService("tmux"))("on a terminal", () => {
  it("shows a spinner with elapsed time while a tool runs, colours, then the summary", async () => {
    const env = await term.modelEnv([
      {
        text: "Running a slow command.",
        toolCalls: [{ name: "bash", input: { command: "sleep 2.5" } }],
      },
      { text: "All done.", usage: { inputTokens: 10, outputTokens: 5 } },
    ]);
    const pane = await term.open(QUERY, env);
    const spinning = await pane.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] bash {2}sleep 2\.5 [12]\.\ds/);
    expect(spinning).toContain(`${ESC}[2m▶ run run_`); // the header is dimmed
    expect(await pane.exited()).toBe(0);
    const screen = await pane.capture();
    // The spinner left no trace: its line became the tool's line.
    expect(plain(screen)).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(screen).toContain(
      `${ESC}[32m✓${ESC}[39m ${ESC}[36mbash${ESC}[39m  sleep 2.5  ${ESC}[2m(2.`,
    );
    expect(plain(screen)).toContain("All done.");
    expect(screen).toContain(`${ESC}[32m✓ completed`);
    expect(plain(screen)).toMatch(
      /✓ completed · 2 turns · \d+ in \/ \d+ out tokens · \$0\.\d{4} · [\d.]+s/,
    );

    // NO_COLOR: the same terminal, no colours (the runs table colours its statuses otherwise).
    await pane.kill();
    const runs = await term.open(["runs"], { SANDCASTER_DB: env.SANDCASTER_DB });
    await runs.exited();
    expect(await runs.capture()).toContain(`${ESC}[32mcompleted`);
    await runs.kill();
    const plainRuns = await term.open(["runs"], {
      SANDCASTER_DB: env.SANDCASTER_DB,
      NO_COLOR: "1",
    });
    await plainRuns.exited();
    const uncoloured = await plainRuns.capture();
    expect(uncoloured).toMatch(/completed/);
    expect(uncoloured).not.toContain(`${ESC}[`);
  });

  it("Ctrl-C cancels the run, waits for its sandbox, and exits 130", async () => {
    const env = await term.modelEnv([
      { text: "Sleeping.", toolCalls: [{ name: "bash", input: { command: "sleep 60.7" } }] },
      { text: "never" },
    ]);
    const pane = await term.open(QUERY, env);
    const screen = plain(await pane.waitFor(/bash {2}sleep 60\.7 \d+\.\ds/));
    const runId = /▶ run (run_\S+)/.exec(screen)?.[1] ?? "";
    await pane.keys("C-c");
    expect(await pane.exited()).toBe(130);
    const after = plain(await pane.capture());
    expect(after).toContain("cancelling… (Ctrl-C again to quit at once)");
    expect(after).toMatch(/✗ \[CANCELLED\] cancelled with Ctrl-C/);
    expect(after).toMatch(/■ cancelled · [\d.]+s/);
    expect(await expectNoLocalLeftovers(runId)).toEqual([]);
  });
});
