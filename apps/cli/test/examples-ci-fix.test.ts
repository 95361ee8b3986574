// examples/ci-fix, run as its README says: the log and the project go in with --file, a scripted
// model reads the log, fixes src/stats.js and reruns the tests in the sandbox. The fixed file that
// comes back into ./out makes the project's own tests pass here; before it, they failed as in ci.log.
import { execFile } from "node:child_process";
import { copyFile, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { jsonEvents, modelEnv, scaffold } from "./examples-project.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("example-ci-fix");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** `node --test` in the project: its exit code and summary counts. */
async function nodeTest(cwd: string) {
  const done = await promisify(execFile)(process.execPath, ["--test"], { cwd }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );
  return {
    code: done.code,
    pass: /^# pass (\d+)/m.exec(done.out)?.[1],
    fail: /^# fail (\d+)/m.exec(done.out)?.[1],
  };
}

it("fixes the code the CI log points at; the project's tests then pass", async () => {
  const project = await scaffold("ci-fix", dir);
  // The failure in ci.log is this project's own.
  const log = await readFile(join(project, "ci.log"), "utf8");
  expect(log).toMatch(/^# fail 2$/m);
  expect(await nodeTest(project)).toEqual({ code: 1, pass: "1", fail: "2" });

  double = await startAnthropicDouble({
    turns: [
      { toolCalls: [{ name: "read_file", input: { path: "ci.log" } }] },
      { toolCalls: [{ name: "read_file", input: { path: "src/stats.js" } }] },
      {
        text: "mean() divides by length - 1.",
        toolCalls: [
          {
            name: "edit_file",
            input: {
              path: "src/stats.js",
              old_string: "return sum / (values.length - 1);",
              new_string: "return sum / values.length;",
            },
          },
        ],
      },
      { toolCalls: [{ name: "bash", input: { command: "node --test" } }] },
      { text: "Fixed mean(): it divided by length - 1. All 3 tests pass." },
    ],
  });
  const files = ["ci.log", "package.json", "src/stats.js", "test/stats.test.js"];
  const result = await runCli(
    [
      "query",
      "CI failed; the log is ci.log. Fix the code so the tests pass, then run them.",
      ...files.flatMap((f) => ["--file", f]),
      "--out",
      "out",
      "--json",
    ],
    modelEnv(dir, double.url),
    project,
  );
  expect(result.code, result.stderr).toBe(0);
  const events = jsonEvents(result.stdout);
  // The tests passed inside the sandbox…
  const rerun = events.find((e) => e.type === "tool_result" && e.toolName === "bash");
  expect(rerun?.content).toMatch(/# pass 3\n# fail 0/);
  // …and only the fixed file came back, which passes them here too.
  expect(events.filter((e) => e.type === "file").map((e) => e.path)).toEqual(["src/stats.js"]);
  await copyFile(join(project, "out", "src", "stats.js"), join(project, "src", "stats.js"));
  expect(await nodeTest(project)).toEqual({ code: 0, pass: "3", fail: "0" });
});
