// A running tool's output on a real terminal (tmux): its last lines under the spinner while it
// runs, all of them with --verbose. The command never ends by itself (sleep 60 after its lines),
// so whatever the screen shows was streamed live; Ctrl-C then ends the run.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectNoLocalLeftovers } from "./helpers.js";
import { tempDir } from "./temp-dir.js";
import { openPane, plain, type TmuxPane } from "./tmux.js";

let dir: string;
let double: ModelDouble | undefined;
let pane: TmuxPane | undefined;
beforeEach(async () => {
  dir = await tempDir("live");
});
afterEach(async () => {
  await pane?.kill();
  pane = undefined;
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

const COMMAND = "for i in 1 2 3 4 5; do echo line$i; done; sleep 60";

async function envFor() {
  double = await startAnthropicDouble({
    turns: [{ toolCalls: [{ name: "bash", input: { command: COMMAND } }] }, { text: "never" }],
  });
  return {
    ANTHROPIC_API_KEY: "k",
    ANTHROPIC_BASE_URL: double.url,
    SANDCASTER_DB: join(dir, "runs.db"),
  };
}
const QUERY = ["query", "go", "--model", "haiku", "--sandbox", "local"];
const SPINNER = "[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]";

describe.runIf(hasService("tmux"))("live tool output on a terminal", () => {
  it("shows the last lines under the spinner while the tool runs, and clears them after", async () => {
    pane = await openPane(QUERY, await envFor(), dir);
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
    pane = await openPane([...QUERY, "--verbose"], await envFor(), dir);
    const screen = plain(await pane.waitFor(/│ line1\n.*│ line2\n.*│ line3\n.*│ line4\n.*│ line5/));
    expect(screen).toMatch(new RegExp(`│ line5\\n${SPINNER} bash`));
    await pane.keys("C-c");
    expect(await pane.exited()).toBe(130);
  });
});
