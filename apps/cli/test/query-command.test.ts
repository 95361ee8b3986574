// `sandcaster query` (in-process and --url) and `sandcaster runs`, as a user runs them.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, startServe } from "./cli-process.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-cli-query-"));
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

const TURNS = [
  { text: "Looking.", toolCalls: [{ name: "bash", input: { command: "cat notes.txt" } }] },
  { text: "The notes say: buy milk.", usage: { inputTokens: 100, outputTokens: 10 } },
];

async function env() {
  double = await startAnthropicDouble({ turns: TURNS });
  await writeFile(join(dir, "notes.txt"), "buy milk\n");
  return {
    ANTHROPIC_API_KEY: "sk-ant-cli-test",
    ANTHROPIC_BASE_URL: double.url,
    SANDCASTER_DB: join(dir, "runs.db"),
    HOME: dir,
  };
}

describe("sandcaster query", () => {
  it("runs in-process on the local sandbox and prints a readable stream and summary", async () => {
    const result = await runCli(
      [
        "query",
        "what do my notes say?",
        "--model",
        "haiku",
        "--sandbox",
        "local",
        "--file",
        "notes.txt",
      ],
      await env(),
      dir,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("→ bash");
    expect(result.stdout).toContain("✓ buy milk");
    expect(result.stdout).toContain("The notes say: buy milk.");
    expect(result.stdout).toMatch(
      /✓ completed · 2 turns · \d+ in \/ \d+ out tokens · \$0\.\d{4} · [\d.]+s/,
    );
    const runs = await runCli(["runs"], { SANDCASTER_DB: join(dir, "runs.db") }, dir);
    expect(runs.stdout).toMatch(/run_\S+\s+completed/);
  });

  it("prints raw events with --json against a server (--url), and exits non-zero on a failed run", async () => {
    const vars = await env();
    const server = await startServe(["--config", join(dir, "none.json")], vars, dir).catch(
      (e) => e as Error,
    );
    expect(server).toBeInstanceOf(Error);
    expect(String(server)).toContain("cannot read config");

    const config = join(dir, "sandcaster.json");
    await writeFile(config, JSON.stringify({ sandboxProvider: "local" }));
    const live = await startServe(["--config", config], vars, dir);
    try {
      const ok = await runCli(
        ["query", "notes?", "--json", "--url", live.url, "--file", "notes.txt"],
        vars,
        dir,
      );
      expect(ok.code).toBe(0);
      const events = ok.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(events[0]).toMatchObject({ type: "system", subtype: "init" });
      expect(events.at(-1)).toMatchObject({ type: "result", content: "The notes say: buy milk." });
      // the script is used up: the next run fails, and so does the command
      const failed = await runCli(["query", "again", "--url", live.url], vars, dir);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain("✗");
    } finally {
      live.child.kill("SIGTERM");
      await live.exited;
    }
  });

  it("refuses a bad config with the key path named", async () => {
    const config = join(dir, "bad.json");
    await writeFile(config, JSON.stringify({ docker: { memory: 5 } }));
    const result = await runCli(["serve", "--config", config], {}, dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("docker.memory: unknown field");
  });
});
