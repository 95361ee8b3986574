// The CLI's manners through the real binary: a closed stdout (`| head`) cancels quietly, and a
// mistyped command or flag gets a "did you mean".
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { createSqliteRunStore } from "@sandcaster/core";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI, runCli } from "./cli-process.js";
import { expectNoLocalLeftovers } from "./helpers.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("polish");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Runs `sandcaster <args> | head -1` in bash with pipefail: the CLI's own exit code comes out. */
function pipedToHead(args: string[], env: Record<string, string>) {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`);
  const child = spawn("bash", ["-o", "pipefail", "-c", `${quoted.join(" ")} 2>err.txt | head -1`], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
  });
  let stdout = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", async (code) =>
      resolve({ code, stdout, stderr: await readFile(join(dir, "err.txt"), "utf8") }),
    ),
  );
}

describe("a closed stdout", () => {
  it("query | head -1 cancels the run, exits 141 without a stack trace, leaves nothing", async () => {
    double = await startAnthropicDouble({
      turns: [
        {
          text: "Counting.",
          // Output for a minute: only a reader that left can end this run early.
          toolCalls: [
            {
              name: "bash",
              input: { command: "for i in $(seq 1 600); do echo line $i; sleep 0.1; done" },
            },
          ],
        },
        { text: "never" },
      ],
    });
    const env = {
      ANTHROPIC_API_KEY: "sk-ant-cli-test",
      ANTHROPIC_BASE_URL: double.url,
      SANDCASTER_DB: join(dir, "runs.db"),
      HOME: dir,
    };
    const started = performance.now();
    const result = await pipedToHead(
      ["query", "count", "--verbose", "--model", "haiku", "--sandbox", "local"],
      env,
    );
    expect(result.stdout).toMatch(/^▶ run run_\S+/);
    expect(result.code).toBe(141);
    expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(performance.now() - started).toBeLessThan(55_000);
    const runId = /▶ run (run_\S+)/.exec(result.stdout)?.[1] ?? "";
    const store = createSqliteRunStore({ path: env.SANDCASTER_DB });
    expect(await store.getRun(runId)).toMatchObject({ status: "cancelled" });
    await store.close();
    expect(await expectNoLocalLeftovers(runId)).toEqual([]);
  }, 90_000);
});

describe("did you mean", () => {
  it("names the closest command or flag, exit 2", async () => {
    const command = await runCli(["qurey", "x"], {}, dir);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "qurey"; did you mean query?');
    const flag = await runCli(["query", "x", "--modle", "haiku"], {}, dir);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--modle'; did you mean --model?");
    const far = await runCli(["zzzzzz"], {}, dir);
    expect(far.stderr).not.toContain("did you mean");
  });
});
