// examples/test-generation, run as its README says: a scripted model writes test/slugify.test.js and
// runs it in the sandbox. The file that comes back passes against src/slugify.js here, and fails
// against a broken slugify — so the generated tests test something.
import { execFile } from "node:child_process";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
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
  dir = await tempDir("example-testgen");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

const TESTS = `import assert from "node:assert/strict";
import { test } from "node:test";
import { slugify } from "../src/slugify.js";

test("lower-cases and joins words with one dash", () => {
  assert.equal(slugify("Hello, World!"), "hello-world");
});

test("drops accents", () => {
  assert.equal(slugify("Crème Brûlée"), "creme-brulee");
});

test("no dashes at the ends, even after cutting to maxLength", () => {
  assert.equal(slugify("  --a b--  "), "a-b");
  assert.equal(slugify("abc def", { maxLength: 4 }), "abc");
});
`;

async function nodeTest(cwd: string): Promise<number> {
  return promisify(execFile)(process.execPath, ["--test"], { cwd }).then(
    () => 0,
    (e: { code: number }) => e.code,
  );
}

it("writes tests that run in the sandbox, pass here, and catch a broken slugify", async () => {
  const project = await scaffold("test-generation", dir);
  double = await startAnthropicDouble({
    turns: [
      { toolCalls: [{ name: "read_file", input: { path: "src/slugify.js" } }] },
      {
        toolCalls: [
          { name: "write_file", input: { path: "test/slugify.test.js", content: TESTS } },
        ],
      },
      { toolCalls: [{ name: "bash", input: { command: "npm test" } }] },
      { text: "Wrote 3 tests in test/slugify.test.js; they pass." },
    ],
  });
  const result = await runCli(
    [
      "query",
      "Write tests for src/slugify.js in test/slugify.test.js and run them with npm test",
      "--file",
      "package.json",
      "--file",
      "src/slugify.js",
      "--out",
      "out",
      "--json",
    ],
    modelEnv(dir, double.url),
    project,
  );
  expect(result.code, result.stderr).toBe(0);
  const events = jsonEvents(result.stdout);
  const ran = events.find((e) => e.type === "tool_result" && e.toolName === "bash");
  expect(ran).toMatchObject({
    isError: false,
    content: expect.stringMatching(/# pass 3\n# fail 0/),
  });

  // The README's next step: copy the tests in and run them.
  await cp(join(project, "out", "test"), join(project, "test"), { recursive: true });
  await rm(join(project, "out"), { recursive: true });
  expect(await readFile(join(project, "test", "slugify.test.js"), "utf8")).toBe(TESTS);
  expect(await nodeTest(project)).toBe(0);
  // A slugify that keeps accents must fail them.
  const source = join(project, "src", "slugify.js");
  await writeFile(source, (await readFile(source, "utf8")).replace('.normalize("NFKD")', ""));
  expect(await nodeTest(project)).not.toBe(0);
});
