// `sandcaster init --list` and `sandcaster init <project starter> [dir]`: every example in
// examples/ is a starter, scaffolded byte for byte from the files the CLI's build shipped, into a
// project the real config loader accepts, with a README that says how to run it and a test that does.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadConfig } from "@sandcaster/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SCHEMA_PATH } from "../src/init/starters.js";
import { runCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));
const INDEX = JSON.parse(await readFile(join(EXAMPLES, "starters.json"), "utf8")) as Record<
  string,
  string
>;
const NAMES = Object.keys(INDEX);
const COPY_SCRIPT = fileURLToPath(new URL("../scripts/copy-examples.mjs", import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await tempDir("starters");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

it("lists the issue's examples, and every starter with its one-line description", async () => {
  expect(NAMES).toEqual(
    expect.arrayContaining([
      "hello",
      "code-review",
      "research",
      "multi-sandbox-audit",
      "branching",
      "docker-sandbox",
      "ci-fix",
      "test-generation",
    ]),
  );
  const result = await runCli(["init", "--list"], {}, dir);
  expect(result.code).toBe(0);
  const lines = result.stdout.split("\n");
  for (const name of [...NAMES, "minimal", "docker", "e2b", "openai"]) {
    const line = lines.find((l) => l.trimStart().startsWith(`${name} `));
    expect(line, name).toBeDefined();
    if (INDEX[name]) expect(line).toContain(INDEX[name]);
  }
  expect(await readdir(dir)).toEqual([]); // --list writes nothing
});

describe.each(NAMES)("starter %s", (name) => {
  it("scaffolds the example's files byte for byte into a project the loader accepts", async () => {
    const result = await runCli(["init", name, "my-project"], {}, dir);
    expect(result.code, result.stderr).toBe(0);
    const project = join(dir, "my-project");
    const source = join(EXAMPLES, name);
    const files = await filesUnder(source);
    expect(await filesUnder(project)).toEqual(files);
    for (const file of files) {
      expect(await readFile(join(project, file)), file).toEqual(await readFile(join(source, file)));
      expect(result.stdout).toContain(`wrote my-project/${file}\n`);
    }
    expect(result.stdout).toContain("cd my-project, then cp .env.example .env");

    const { config } = await loadConfig(undefined, project);
    expect(config.$schema).toBe(SCHEMA_PATH);
    const env = await readFile(join(project, ".env.example"), "utf8");
    expect(env).toMatch(/^[A-Z_]+_API_KEY=$/m); // it names the key it needs…
    expect(env).not.toMatch(/^[A-Z_]+=\S/m); // …and never a value
  });

  it("has a README with the command for a real key and the offline command, whose test exists", async () => {
    const readme = await readFile(join(EXAMPLES, name, "README.md"), "utf8");
    expect(readme).toMatch(new RegExp(`^# ${name}\\n`));
    // The real-key command: the key goes into .env, then sandcaster runs it.
    expect(readme).toMatch(
      /## Run it\n[\s\S]*?```bash\ncp \.env\.example \.env[^\n]*\n[\s\S]*?sandcaster (query|serve) /,
    );
    const offline = `npx vitest run test/examples-${name}.test.ts`;
    expect(readme).toContain(offline);
    expect(existsSync(fileURLToPath(new URL(`examples-${name}.test.ts`, import.meta.url)))).toBe(
      true,
    );
  });
});

it("writes into ./<starter> by default, refuses a non-empty dir without --force", async () => {
  const first = await runCli(["init", "hello"], {}, dir);
  expect(first.code, first.stderr).toBe(0);
  expect(existsSync(join(dir, "hello", "sandcaster.json"))).toBe(true);

  await writeFile(join(dir, "hello", "README.md"), "mine\n");
  await writeFile(join(dir, "hello", "notes.txt"), "keep me\n");
  const refused = await runCli(["init", "hello"], {}, dir);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe(
    "sandcaster init: hello is not empty; nothing written (--force writes into it)\n",
  );
  expect(await readFile(join(dir, "hello", "README.md"), "utf8")).toBe("mine\n");

  const forced = await runCli(["init", "hello", "--force"], {}, dir);
  expect(forced.code).toBe(0);
  expect(await readFile(join(dir, "hello", "README.md"), "utf8")).toBe(
    await readFile(join(EXAMPLES, "hello", "README.md"), "utf8"),
  );
  expect(await readFile(join(dir, "hello", "notes.txt"), "utf8")).toBe("keep me\n");
});

it("an unknown starter is a usage error with a did-you-mean and the known ones", async () => {
  const result = await runCli(["init", "code-reveiw"], {}, dir);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('unknown starter "code-reveiw"; did you mean code-review?');
  expect(result.stderr).toContain(
    `choose one of minimal, docker, e2b, openai, ${NAMES.join(", ")}`,
  );
  expect(await readdir(dir)).toEqual([]);
});

it("the build never ships what trying an example leaves: .env with real keys, out/, node_modules", async () => {
  const examples = join(dir, "examples");
  await cp(join(EXAMPLES, "hello"), join(examples, "hello"), { recursive: true });
  await writeFile(join(examples, "starters.json"), JSON.stringify({ hello: "hi" }));
  await writeFile(join(examples, "hello", ".env"), "ANTHROPIC_API_KEY=sk-ant-real\n");
  await mkdir(join(examples, "hello", "out"));
  await writeFile(join(examples, "hello", "out", "hello.py"), "print('hello')\n");
  await promisify(execFile)(process.execPath, [COPY_SCRIPT, examples, join(dir, "shipped")]);
  expect(await filesUnder(join(dir, "shipped", "hello"))).toEqual(
    await filesUnder(join(EXAMPLES, "hello")),
  );
});
