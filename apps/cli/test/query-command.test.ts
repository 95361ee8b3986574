// `sandcaster query` in-process on the local sandbox, as a user (or a script) runs it: plain lines
// off a terminal, --json, --out, exit codes, and Ctrl-C.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSqliteRunStore } from "@sandcaster/core";
import { type ModelDouble, type ScriptedTurn, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, startCli } from "./cli-process.js";
import { expectNoLocalLeftovers, localLeftovers } from "./helpers.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("query");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function envFor(turns: ScriptedTurn[]) {
  double = await startAnthropicDouble({ turns });
  await writeFile(join(dir, "notes.txt"), "buy milk\n");
  return {
    ANTHROPIC_API_KEY: "sk-ant-cli-test",
    ANTHROPIC_BASE_URL: double.url,
    SANDCASTER_DB: join(dir, "runs.db"),
    HOME: dir,
  };
}

const WORK: ScriptedTurn[] = [
  {
    thinking: "I should copy the notes first.",
    text: "Copying the notes.",
    toolCalls: [
      { name: "write_file", input: { path: "report/summary.md", content: "# Notes\nbuy milk\n" } },
      {
        name: "bash",
        input: { command: "printf '\\000\\001\\376\\377' > data.bin; cat notes.txt" },
      },
    ],
  },
  { toolCalls: [{ name: "read_file", input: { path: "missing.txt" } }] },
  { text: "The notes say: buy milk.", usage: { inputTokens: 100, outputTokens: 10 } },
];
const ARGS = ["--model", "haiku", "--sandbox", "local", "--file", "notes.txt"];

describe("sandcaster query, in-process", () => {
  it("prints plain lines off a terminal: tools one line each, artifacts saved with --out", async () => {
    const result = await runCli(
      ["query", "what do my notes say?", ...ARGS, "--out", "out"],
      await envFor(WORK),
      dir,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("\x1b");
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^▶ run run_\S+ · claude-haiku-4-5 via anthropic · local sandbox$/);
    expect(lines[1]).toMatch(/^· local sandbox ready in [\d.]+s$/);
    expect(lines).toContain("Copying the notes.");
    expect(result.stdout).not.toContain("copy the notes first"); // thinking hidden by default
    expect(lines).toContainEqual(
      expect.stringMatching(/^✓ write_file {2}report\/summary\.md {2}\([\d.]+s\)$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^✓ bash {2}printf .* cat notes\.txt {2}\([\d.]+s\)$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^✗ read_file {2}missing\.txt {2}— .*missing\.txt/),
    );
    expect(lines).toContain("The notes say: buy milk.");
    expect(lines).toContain("+ data.bin  (4 B, binary) → out/data.bin");
    expect(lines).toContain("+ report/summary.md  (17 B) → out/report/summary.md");
    expect(lines.at(-1)).toMatch(
      /^✓ completed · 3 turns · \d+ in \/ \d+ out tokens · \$0\.\d{4} · [\d.]+s · 2 files$/,
    );
    expect([...(await readFile(join(dir, "out", "data.bin")))]).toEqual([0, 1, 0xfe, 0xff]);
    expect(await readFile(join(dir, "out", "report", "summary.md"), "utf8")).toBe(
      "# Notes\nbuy milk\n",
    );
  });

  it("a failed bash call's line says its exit code, then its output's first line", async () => {
    const env = await envFor([
      {
        toolCalls: [
          // Both lines on stderr: stdout and stderr are two pipes, read in either order.
          { name: "bash", input: { command: "echo 'first words' >&2; echo more >&2; exit 3" } },
          { name: "bash", input: { command: "exit 4" } },
        ],
      },
      { text: "Both failed." },
    ]);
    const result = await runCli(["query", "fail twice", ...ARGS], env, dir);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^✗ bash {2}echo 'first words' .*exit 3 {2}— exit code 3 · first words {2}\([\d.]+s\)$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^✗ bash {2}exit 4 {2}— exit code 4 {2}\([\d.]+s\)$/),
    );
  });

  it("shows thinking with --thinking, and only raw events with --json", async () => {
    const env = await envFor([...WORK, ...WORK]);
    const shown = await runCli(["query", "notes?", ...ARGS, "--thinking"], env, dir);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("(thinking) I should copy the notes first.\nCopying the notes.");

    const json = await runCli(["query", "notes?", ...ARGS, "--json"], env, dir);
    expect(json.code).toBe(0);
    const events = json.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ type: "system", subtype: "init", sandboxProvider: "local" });
    expect(
      events
        .filter((e) => e.type === "file")
        .map((e) => e.path)
        .sort(),
    ).toEqual(["data.bin", "report/summary.md"]);
    expect(events.at(-1)).toMatchObject({ type: "result", content: "The notes say: buy milk." });
  });

  it("exits 1 when the run fails, with the error and a failed summary", async () => {
    const env = await envFor([{ error: { status: 401, message: "invalid x-api-key" } }]);
    const result = await runCli(["query", "hi", ...ARGS], env, dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ \[MODEL_AUTH_FAILED\] .*invalid x-api-key/m);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(
      /^✗ failed \[MODEL_AUTH_FAILED\] · [\d.]+s$/,
    );
  });

  it("exits 2 on a usage error and runs nothing", async () => {
    const env = await envFor(WORK);
    for (const args of [
      ["query"],
      ["query", "hi", "--sandbox", "moon"],
      ["query", "hi", "--timeout", "1"],
      ["query", "hi", "--bogus"],
      ["query", "hi", "--file", "no-such-file"],
      ["nonsense"],
    ]) {
      const result = await runCli(args, env, dir);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/--help/);
    }
    expect(double?.requests).toEqual([]);
  });

  it("Ctrl-C cancels: the run is recorded cancelled, its sandbox is gone, exit 130", async () => {
    const env = await envFor([
      { text: "Sleeping now.", toolCalls: [{ name: "bash", input: { command: "sleep 97.31" } }] },
      { text: "never" },
    ]);
    const cli = startCli(["query", "sleep", ...ARGS], env, dir);
    await cli.waitFor(/Sleeping now\./);
    const runId = /▶ run (run_\S+)/.exec(cli.stdout())?.[1] ?? "";
    // Wait until the tool really runs inside the sandbox.
    const deadline = Date.now() + 10_000;
    while (!(await sleepers()).length && Date.now() < deadline) await pause(100);
    expect(await sleepers()).not.toEqual([]);
    expect(await localLeftovers(runId)).not.toEqual([]);

    cli.child.kill("SIGINT");
    const result = await cli.finished;
    expect(result.code).toBe(130);
    expect(result.stdout).toContain("cancelling");
    expect(result.stdout).toMatch(/^✗ \[CANCELLED\] cancelled with Ctrl-C$/m);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(/^■ cancelled · [\d.]+s$/);
    expect(await expectNoLocalLeftovers(runId)).toEqual([]);
    expect(await sleepers()).toEqual([]);
    const store = createSqliteRunStore({ path: env.SANDCASTER_DB });
    expect(await store.getRun(runId)).toMatchObject({
      status: "cancelled",
      errorCode: "CANCELLED",
    });
    await store.close();
  });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sleepers(): Promise<string[]> {
  return (await localLeftovers("97.31")).filter((p) => /^\d+ sleep 97\.31/.test(p));
}
