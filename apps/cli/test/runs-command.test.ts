// `sandcaster runs` on the local store (no server): the table, show, and tail of in-process runs,
// including one still running in another process.
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli, startCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("runs");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

it("lists, shows and tails runs of the local store, following a live one to its end", async () => {
  double = await startAnthropicDouble({
    turns: [
      { text: "Listing.", toolCalls: [{ name: "bash", input: { command: "ls" } }] },
      { text: "Nothing here.", usage: { inputTokens: 50, outputTokens: 5 } },
      { error: { status: 401, message: "bad key" } },
      { text: "Waiting.", toolCalls: [{ name: "bash", input: { command: "sleep 2" } }] },
      { text: "Done waiting." },
    ],
  });
  // The store path comes from a commented sandcaster.json here, not SANDCASTER_DB.
  await writeFile(
    join(dir, "sandcaster.json"),
    '{ "sandboxProvider": "local", /* history */ "store": { "path": "history/runs.db" } }',
  );
  const env = { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: double.url, HOME: dir };
  const ok = await runCli(["query", "list", "--model", "haiku"], env, dir);
  const okId = /▶ run (run_\S+)/.exec(ok.stdout)?.[1] ?? "";
  const failed = await runCli(["query", "fail", "--model", "haiku"], env, dir);
  const failedId = /▶ run (run_\S+)/.exec(failed.stdout)?.[1] ?? "";
  expect([ok.code, failed.code]).toEqual([0, 1]);

  const table = (await runCli(["runs"], {}, dir)).stdout.trimEnd().split("\n");
  expect(table).toHaveLength(3);
  expect(table[1]).toMatch(
    // The model refused the first call: no turns, but the gateway's metering still says zero spent.
    new RegExp(
      `^${failedId} +error +claude-haiku-4-5 +0 in / 0 out +\\$0\\.0000 +[\\d.]+s +\\d+s ago$`,
    ),
  );
  expect(table[2]).toMatch(new RegExp(`^${okId} +completed +claude-haiku-4-5 +2 +`));
  const errors = await runCli(["runs", "--status", "error", "--json"], {}, dir);
  expect(JSON.parse(errors.stdout).runs.map((r: { id: string }) => r.id)).toEqual([failedId]);
  expect(
    (await runCli(["runs", "--limit", "1"], {}, dir)).stdout.trimEnd().split("\n"),
  ).toHaveLength(2);

  const show = await runCli(["runs", "show", failedId], {}, dir);
  expect(show.stdout).toMatch(/^ {2}error +\[MODEL_AUTH_FAILED\] .*bad key/m);
  expect(show.stdout).toMatch(/^ {2}prompt +fail$/m);

  const tail = await runCli(["runs", "tail", failedId], {}, dir);
  expect(tail.code).toBe(1);
  expect(tail.stdout.trimEnd().split("\n").at(-1)).toMatch(/^✗ failed \[MODEL_AUTH_FAILED\]/);

  const live = startCli(["query", "wait", "--model", "haiku"], env, dir);
  await live.waitFor(/Waiting\./);
  const liveId = /▶ run (run_\S+)/.exec(live.stdout())?.[1] ?? "";
  const followed = await runCli(["runs", "tail", liveId], {}, dir);
  expect(followed.code).toBe(0);
  expect(followed.stdout).toMatch(/^✓ bash {2}sleep 2$/m);
  expect(followed.stdout.trimEnd().split("\n").at(-1)).toMatch(/^✓ completed · 2 turns/);
  expect((await live.finished).code).toBe(0);
  // Nine CLI processes one after another: each start costs seconds on a loaded host.
}, 150_000);

it("refuses bad arguments with exit 2", async () => {
  for (const args of [
    ["runs", "--limit", "0"],
    ["runs", "--status", "done"],
    ["runs", "show"],
    ["runs", "frobnicate"],
    ["runs", "tail", "x", "--after", "-1"],
  ]) {
    const result = await runCli(args, { SANDCASTER_DB: join(dir, "x.db") }, dir);
    expect(result.code, args.join(" ")).toBe(2);
  }
});
