// `sandcaster sessions` and `query --session`, driving the real binary: in-process on this machine
// (local sandbox) and against `sandcaster serve` — a second turn, named by the session's name,
// sees the first turn's file.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type ModelDouble, type ScriptedTurn, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, startServe } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("sessions");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

const TWO_TURNS: ScriptedTurn[] = [
  { toolCalls: [{ name: "bash", input: { command: "echo 7 > lucky.txt" } }] },
  { text: "Noted: 7." },
  { toolCalls: [{ name: "bash", input: { command: "cat lucky.txt" } }] },
  { text: "It is 7." },
];

async function envFor(turns: ScriptedTurn[]) {
  double = await startAnthropicDouble({ turns });
  return {
    ANTHROPIC_API_KEY: "sk-ant-cli-test",
    ANTHROPIC_BASE_URL: double.url,
    SANDCASTER_DB: join(dir, "runs.db"),
    HOME: dir,
  };
}

async function conversation(env: Record<string, string>, extra: string[]) {
  const created = await runCli(
    ["sessions", "create", "--sandbox", "local", "--name", "cli", "--json", ...extra],
    env,
    dir,
  );
  expect(created.stderr).toBe("");
  expect(created.code).toBe(0);
  const id = (JSON.parse(created.stdout) as { id: string }).id;
  const first = await runCli(
    ["query", "remember 7", "--session", id, "--json", ...extra],
    env,
    dir,
  );
  expect(first.code).toBe(0);
  // The session's name is a handle too (resolved to its id: the turn count below is the id's).
  const second = await runCli(
    ["query", "what was it?", "--session", "cli", "--json", ...extra],
    env,
    dir,
  );
  expect(second.code).toBe(0);
  const events = second.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: string; content?: string });
  expect(events.find((e) => e.type === "tool_result")?.content).toContain("7");
  const unknown = await runCli(["query", "hm", "--session", "no-such-name", ...extra], env, dir);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("no session with id or name no-such-name");
  const list = await runCli(["sessions", "--json", ...extra], env, dir);
  expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, turns: 2, name: "cli" })]);
  const table = await runCli(["sessions", ...extra], env, dir);
  expect(table.stdout).toMatch(new RegExp(`${id}\\s+active\\s+local\\s+2`));
  const removed = await runCli(["sessions", "delete", id, ...extra], env, dir);
  expect(removed.code).toBe(0);
  const after = await runCli(["query", "again", "--session", id, ...extra], env, dir);
  expect(after.code).toBe(1);
  expect(after.stderr).toMatch(/no session/);
}

describe("sandcaster sessions", () => {
  it("in-process: create, two turns that share a workspace, list, delete", async () => {
    await conversation(await envFor(TWO_TURNS), []);
  }, 90_000);

  it("against a server: the same through --url", async () => {
    const env = await envFor(TWO_TURNS);
    const server = await startServe([], env, dir);
    try {
      await conversation(env, ["--url", server.url]);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 90_000);

  it("usage errors exit 2", async () => {
    const env = await envFor([]);
    expect((await runCli(["sessions", "show"], env, dir)).code).toBe(2);
    expect((await runCli(["sessions", "create", "--idle", "5"], env, dir)).code).toBe(2);
    expect((await runCli(["sessions", "frobnicate"], env, dir)).code).toBe(2);
  });
});
