// `sandcaster sessions show <id|name|prefix>` printed as `runs show` prints a run, and `sessions`
// hiding deleted sessions unless asked — through the real binary, on this machine's store.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("sessions-show");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

it("shows a session by id, name or prefix, with its turns; deleted ones are hidden by default", async () => {
  double = await startAnthropicDouble({ turns: [{ text: "Hello from turn one." }] });
  const env = {
    ANTHROPIC_API_KEY: "sk-ant-cli-test",
    ANTHROPIC_BASE_URL: double.url,
    SANDCASTER_DB: join(dir, "runs.db"),
    HOME: dir,
  };
  const create = async (name: string) => {
    const out = await runCli(
      ["sessions", "create", "--sandbox", "local", "--name", name, "--json"],
      env,
      dir,
    );
    expect(out.code, out.stderr).toBe(0);
    return (JSON.parse(out.stdout) as { id: string }).id;
  };
  const id = await create("nightly");
  const turn = await runCli(["query", "say hello", "--session", id, "--json"], env, dir);
  expect(turn.code, turn.stderr).toBe(0);
  const runId = /"runId":"(run_[^"]+)"/.exec(turn.stdout)?.[1] ?? "";
  expect(runId).not.toBe("");

  const byName = await runCli(["sessions", "show", "nightly"], env, dir);
  expect(byName.code, byName.stderr).toBe(0);
  const lines = byName.stdout.trimEnd().split("\n");
  // The head line is `<id>  <status>` as in `runs show`, then one `  key      value` per field.
  expect(lines[0]).toBe(`${id}  active`);
  expect(byName.stdout).toMatch(/^ {2}name {5}nightly$/m);
  expect(byName.stdout).toMatch(/^ {2}sandbox {2}local$/m);
  expect(byName.stdout).toMatch(/^ {2}turns {4}1$/m);
  expect(byName.stdout).toMatch(/^ {2}expires {2}\S+ \(after 900s idle\)$/m);
  expect(byName.stdout).toMatch(new RegExp(`^ {4}${runId} {2}completed {2}.*say hello$`, "m"));
  expect(lines.at(-1)).toBe(`  next     sandcaster query --session ${id} "…"`);

  const byPrefix = await runCli(["sessions", "show", id.slice(0, 12)], env, dir);
  expect(byPrefix.stdout.split("\n")[0]).toBe(`${id}  active`);
  const json = await runCli(["sessions", "show", "nightly", "--json"], env, dir);
  expect(JSON.parse(json.stdout)).toMatchObject({ id, name: "nightly", turns: 1 });

  const unknown = await runCli(["sessions", "show", "no-such-name"], env, dir);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("no session with id or name no-such-name");

  // Deleted by name; the list hides it unless asked, while a live one stays listed.
  const other = await create("keep");
  const deleted = await runCli(["sessions", "delete", "nightly"], env, dir);
  expect(deleted.code, deleted.stderr).toBe(0);
  expect(deleted.stdout).toContain(`deleted ${id}`);
  const ids = async (args: string[]) =>
    (
      JSON.parse((await runCli(["sessions", ...args, "--json"], env, dir)).stdout) as {
        id: string;
      }[]
    ).map((s) => s.id);
  expect(await ids([])).toEqual([other]);
  expect(await ids(["--all"])).toEqual([other, id]);
  expect(await ids(["--status", "deleted"])).toEqual([id]);
  const table = await runCli(["sessions"], env, dir);
  expect(table.stdout).not.toContain(id);
  const gone = await runCli(["sessions", "show", id], env, dir);
  expect(gone.stdout.split("\n")[0]).toBe(`${id}  deleted`);
  expect(gone.stdout).not.toContain("next");
  await runCli(["sessions", "delete", other], env, dir);
}, 400_000);
