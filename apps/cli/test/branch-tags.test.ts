// The CLI's live output of a branching run and of sub-agents, through the real binary and piped
// output: every line a branch or a sub-agent produced starts with its tag, and the choice of the
// winner (reason and scores) and the summary read as lines of their own.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ScriptedTurn, startAnthropicDouble } from "@sandcaster/testkit";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { expectNoLocalLeftovers } from "./helpers.js";
import { serveSuite } from "./serve-suite.js";

const suite = serveSuite("branch-tags");

const CONFIG = `{
  "sandboxProvider": "local",
  "agents": {
    "reviewer": { "description": "Reviews", "systemPrompt": "You review.", "allowedTools": ["bash"] }
  }
}
`;

async function setUp(turns: ScriptedTurn[], config: string) {
  const double = suite.double(await startAnthropicDouble({ turns }));
  await writeFile(join(suite.dir, "sandcaster.json"), config);
  return {
    ANTHROPIC_API_KEY: "sk-ant-cli-test",
    ANTHROPIC_BASE_URL: double.url,
    SANDCASTER_DB: join(suite.dir, "runs.db"),
    HOME: suite.dir,
  };
}

const bash = (command: string): ScriptedTurn => ({
  toolCalls: [{ name: "bash", input: { command } }],
});

describe("branch and agent tags in the CLI's output", () => {
  it("a branching run (sandcaster.json branching, over --url): tagged lines, the choice, the summary", async () => {
    const env = await setUp(
      [
        bash("echo working"),
        bash("echo working"),
        { text: "an answer" },
        { text: "an answer" },
        {
          text: JSON.stringify({
            winnerId: "branch-1",
            reason: "branch-1 explains more",
            scores: { "branch-0": 0.4, "branch-1": 0.9 },
          }),
        },
      ],
      CONFIG.replace('"sandboxProvider"', '"branching": { "count": 2 },\n  "sandboxProvider"'),
    );
    const server = await suite.serve(
      ["--config", join(suite.dir, "sandcaster.json")],
      env,
      suite.dir,
    );
    const result = await runCli(
      ["query", "go", "--url", server.url],
      { HOME: suite.dir },
      suite.dir,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("\x1b");
    const lines = result.stdout.trimEnd().split("\n");
    for (const id of ["branch-0", "branch-1"]) {
      const n = id === "branch-0" ? 1 : 2;
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^⑂ \\[${id}\\] started \\(${n}/2\\): \\S+ via anthropic on local$`),
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^⑂ \\[${id}\\] ✓ finished · \\d+ turns? · \\$[\\d.]+ · an answer$`),
        ),
      );
    }
    // Each branch's own tool calls and messages carry its tag.
    expect(lines.filter((l) => /^\[branch-[01]\] ✓ bash {2}echo working/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^\[branch-[01]\] an answer$/.test(l))).toHaveLength(2);
    expect(lines).toContain("★ selected branch-1: branch-1 explains more");
    expect(lines).toContain("  scores: branch-1 0.90 ★ · branch-0 0.40");
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^⑂ 2\/2 branches succeeded · winner branch-1 · evaluator llm-judge · \$[\d.]+ in all \(judge \$[\d.]+\)$/,
      ),
    );
    expect(lines.at(-1)).toMatch(/^✓ completed · /);
  });

  it("a sub-agent (in-process): its tool calls and answer carry its name", async () => {
    const env = await setUp(
      [
        { toolCalls: [{ name: "task", input: { agent: "reviewer", prompt: "look" } }] },
        bash("echo reviewed"),
        { text: "REVIEW: fine" },
        { text: "all done" },
      ],
      CONFIG,
    );
    const result = await runCli(["query", "go", "--config", "sandcaster.json"], env, suite.dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[reviewer\] · sub-agent reviewer started: /),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\[reviewer\] ✓ bash {2}echo reviewed/));
    expect(lines).toContain("[reviewer] REVIEW: fine");
    // The run's own agent's lines have no tag.
    expect(lines).toContainEqual(expect.stringMatching(/^✓ task {2}/));
    expect(lines).toContain("all done");
    const runId = /^▶ run (\S+)/.exec(lines[0] ?? "")?.[1] ?? "";
    expect(await expectNoLocalLeftovers(runId)).toEqual([]);
  });
});
