// `sandcaster query --url` and `sandcaster runs --url` against a real `sandcaster serve` child on
// the local sandbox: the same output as in-process, exit codes, Ctrl-C through POST /runs/:id/cancel.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSqliteRunStore } from "@sandcaster/core";
import { type ScriptedTurn, startAnthropicDouble } from "@sandcaster/testkit";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "./cli-process.js";
import { expectNoLocalLeftovers, readUntil } from "./helpers.js";
import { serveSuite } from "./serve-suite.js";

const suite = serveSuite("remote");

async function serve(turns: ScriptedTurn[]) {
  const double = suite.double(await startAnthropicDouble({ turns }));
  await writeFile(join(suite.dir, "notes.txt"), "buy milk\n");
  const config = join(suite.dir, "sandcaster.json");
  await writeFile(config, '{\n  // runs on this host\n  "sandboxProvider": "local",\n}\n');
  const serverEnv = {
    ANTHROPIC_API_KEY: "sk-ant-cli-test",
    ANTHROPIC_BASE_URL: double.url,
    SANDCASTER_DB: join(suite.dir, "server.db"),
  };
  const server = await suite.serve(["--config", config], serverEnv, suite.dir);
  // The client has no model key and no store of its own: everything comes from the server.
  return {
    url: server.url,
    env: { HOME: suite.dir, SANDCASTER_URL: server.url },
    db: serverEnv.SANDCASTER_DB,
  };
}

const NOTES: ScriptedTurn[] = [
  { text: "Looking.", toolCalls: [{ name: "bash", input: { command: "cat notes.txt" } }] },
  { text: "The notes say: buy milk.", usage: { inputTokens: 100, outputTokens: 10 } },
];

describe("sandcaster query --url", () => {
  it("streams the run from the server, prints --json, and exits 1 on a failed run", async () => {
    const { url, env } = await serve([
      ...NOTES,
      ...NOTES,
      { error: { status: 401, message: "invalid x-api-key" } },
    ]);
    const plain = await runCli(
      ["query", "notes?", "--url", url, "--file", "notes.txt"],
      env,
      suite.dir,
    );
    expect(plain.code).toBe(0);
    const lines = plain.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^▶ run run_\S+ · claude-sonnet-4-6 via anthropic · local sandbox$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^✓ bash {2}cat notes\.txt {2}\([\d.]+s\)$/),
    );
    expect(lines).toContain("The notes say: buy milk.");
    expect(lines.at(-1)).toMatch(/^✓ completed · 2 turns · \d+ in \/ \d+ out tokens · \$/);

    // SANDCASTER_URL alone is enough
    const json = await runCli(["query", "notes?", "--json", "--file", "notes.txt"], env, suite.dir);
    expect(json.code).toBe(0);
    const events = json.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: "system", subtype: "init" });
    expect(events.at(-1)).toMatchObject({ type: "result", content: "The notes say: buy milk." });

    const failed = await runCli(["query", "again"], env, suite.dir);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^✗ failed \[MODEL_AUTH_FAILED\]/m);

    const refused = await runCli(
      ["query", "x", "--url", url, "--model", "a".repeat(300)],
      env,
      suite.dir,
    );
    expect(refused.code).toBe(2);
  });

  it("Ctrl-C asks the server to cancel, waits for it, and exits 130", async () => {
    const { url, env, db } = await serve([
      {
        text: "Sleeping now.",
        toolCalls: [{ name: "bash", input: { command: "echo started; sleep 120" } }],
      },
      { text: "never" },
    ]);
    const cli = startCli(["query", "sleep"], env, suite.dir);
    await cli.waitFor(/Sleeping now\./);
    const runId = /▶ run (run_\S+)/.exec(cli.stdout())?.[1] ?? "";
    // Ctrl-C once the server's replay shows the command running (its live output).
    const watch = new AbortController();
    const replay = await fetch(`${url}/runs/${runId}/events`, { signal: watch.signal });
    const { reached, all } = readUntil(replay, "tool_output");
    await Promise.race([
      reached,
      all.then(() => Promise.reject(new Error("the run ended before its command ran"))),
    ]);
    watch.abort();
    cli.child.kill("SIGINT");
    const result = await cli.finished;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/^✗ \[CANCELLED\] .*POST \/runs\/:id\/cancel/m);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(/^■ cancelled · [\d.]+s$/);
    // The command waited for the end: the record is final the moment it exits.
    const store = createSqliteRunStore({ path: db });
    expect(await store.getRun(runId)).toMatchObject({ status: "cancelled" });
    await store.close();
    expect(await expectNoLocalLeftovers(runId)).toEqual([]);
  });
});

describe("sandcaster runs --url", () => {
  it("lists, shows and tails the server's runs, live or finished", async () => {
    const { env } = await serve([
      ...NOTES,
      { text: "Waiting a bit.", toolCalls: [{ name: "bash", input: { command: "sleep 2" } }] },
      { text: "Waited.", usage: { inputTokens: 5, outputTokens: 5 } },
    ]);
    const first = await runCli(["query", "notes?", "--file", "notes.txt"], env, suite.dir);
    const runId = /▶ run (run_\S+)/.exec(first.stdout)?.[1] ?? "";

    const table = await runCli(["runs"], env, suite.dir);
    expect(table.code).toBe(0);
    const [head, row] = table.stdout.trimEnd().split("\n");
    expect(head).toMatch(/^ID +STATUS +MODEL +TURNS +TOKENS +COST +DURATION +STARTED +PROMPT$/);
    expect(row).toMatch(
      new RegExp(
        `^${runId.slice(0, 12)} +completed +claude-sonnet-4-6 +2 +\\d+ in / \\d+ out +\\$0\\.\\d{4} +[\\d.]+s +\\d+s ago +notes\\?$`,
      ),
    );
    expect((await runCli(["runs", "--status", "error"], env, suite.dir)).stdout.trim()).toBe(
      "no runs yet",
    );

    // A prefix names the run on a server too.
    const show = await runCli(["runs", "show", runId.slice(0, 12)], env, suite.dir);
    expect(show.stdout).toMatch(new RegExp(`^${runId} {2}completed$`, "m"));
    expect(show.stdout).toMatch(/^ {2}tokens +\d+ in, \d+ out, 0 cache read, 0 cache write$/m);
    expect(show.stdout).toMatch(/^ {2}cost +\$0\.\d{4}$/m);
    expect((await runCli(["runs", "show", "run_nope"], env, suite.dir)).code).toBe(1);

    // A finished run replays exactly what query showed (less the timings).
    const tail = await runCli(["runs", "tail", runId], env, suite.dir);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toContain("✓ bash  cat notes.txt\n");
    expect(tail.stdout).toContain("The notes say: buy milk.");
    expect(tail.stdout.trimEnd().split("\n").at(-1)).toMatch(/^✓ completed · 2 turns/);
    const after = await runCli(["runs", "tail", runId, "--after", "3", "--json"], env, suite.dir);
    const events = after.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0]).not.toMatchObject({ subtype: "init" });
    expect(events.at(-1)).toMatchObject({ type: "result" });

    // A live run: tail follows it to its end.
    const live = startCli(["query", "wait"], env, suite.dir);
    await live.waitFor(/Waiting a bit\./);
    const liveId = /▶ run (run_\S+)/.exec(live.stdout())?.[1] ?? "";
    const followed = await runCli(["runs", "tail", liveId], env, suite.dir);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/^✓ bash {2}sleep 2$/m);
    expect(followed.stdout).toContain("Waited.");
    expect((await live.finished).code).toBe(0);
    // Ten CLI processes one after another: each start costs seconds on a loaded host.
  }, 150_000);
});
