// The packed tarballs install into an empty project with no registry, no npm cache and no access to
// this repository, and work there: `sandcaster --help`, `sandcaster serve`, and a script that
// imports the SDK and runs a query against that server.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tempDir } from "./temp-dir.js";

const run = promisify(execFile);
const PACK_SCRIPT = fileURLToPath(new URL("../../../scripts/pack-packages.mjs", import.meta.url));
const PATH = process.env.PATH ?? "/usr/bin:/bin";

let dir: string;
let project: string;
let tarballs: string[];
let double: ModelDouble | undefined;
let server: ChildProcess | undefined;

beforeAll(async () => {
  dir = await tempDir("packages");
  const { stdout } = await run(process.execPath, [PACK_SCRIPT, join(dir, "tarballs")], {
    maxBuffer: 1 << 24,
  });
  tarballs = stdout.trim().split("\n");
  project = join(dir, "project");
  await run("mkdir", [project]);
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "scratch", version: "1.0.0", private: true, type: "module" }),
  );
  // An empty cache and --offline: nothing may come from a registry or from this repository.
  // --ignore-scripts: the tarball's better-sqlite3 already holds its addon for this Node (a user on
  // another Node major runs `npm rebuild better-sqlite3`; compiling it here would take minutes).
  await run(
    "npm",
    [
      "install",
      "--offline",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--cache",
      join(dir, "empty-npm-cache"),
      ...tarballs,
    ],
    { cwd: project, env: { PATH, HOME: dir }, maxBuffer: 1 << 24 },
  );
}, 600_000);

afterAll(async () => {
  server?.kill("SIGTERM");
  if (server && server.exitCode === null) await new Promise((r) => server?.once("close", r));
  await double?.close();
  await rm(dir, { recursive: true, force: true });
});

it("packs both packages with a version, a README and a CHANGELOG", async () => {
  expect(tarballs.map((t) => t.split("/").at(-1))).toEqual([
    expect.stringMatching(/^sandcaster-sdk-\d+\.\d+\.\d+\.tgz$/),
    expect.stringMatching(/^sandcaster-cli-\d+\.\d+\.\d+\.tgz$/),
  ]);
  for (const name of ["sdk", "cli"]) {
    const files = await readdir(join(project, "node_modules", "@sandcaster", name));
    expect(files).toEqual(expect.arrayContaining(["README.md", "CHANGELOG.md", "package.json"]));
  }
});

it("installs offline and `sandcaster --help` / `--version` run from the project", async () => {
  const help = await run("npx", ["--offline", "sandcaster", "--help"], {
    cwd: project,
    env: { PATH, HOME: dir, npm_config_cache: join(dir, "empty-npm-cache") },
  });
  expect(help.stdout).toMatch(/serve/);
  expect(help.stdout).toMatch(/query/);
  const bin = join(project, "node_modules", ".bin", "sandcaster");
  const manifest = JSON.parse(
    await readFile(join(project, "node_modules/@sandcaster/cli/package.json"), "utf8"),
  ) as { version: string };
  expect((await run(bin, ["--version"], { env: { PATH } })).stdout.trim()).toContain(
    manifest.version,
  );
});

it("the installed CLI serves, and a script importing the installed SDK runs a query on it", async () => {
  double = await startAnthropicDouble({
    turns: [
      { toolCalls: [{ name: "bash", input: { command: "echo from-the-packed-runner" } }] },
      { text: "packed and working" },
    ],
  });
  const bin = join(project, "node_modules", ".bin", "sandcaster");
  await writeFile(join(project, "sandcaster.json"), JSON.stringify({ sandboxProvider: "local" }));
  const child = spawn(bin, ["serve", "--port", "0"], {
    cwd: project,
    env: {
      PATH,
      HOME: dir,
      // Its runs' sandbox dirs go where the suite's other temp files go, not to /tmp.
      TMPDIR: tmpdir(),
      ANTHROPIC_API_KEY: "sk-ant-packages-test",
      ANTHROPIC_BASE_URL: double.url,
      SANDCASTER_DB: join(dir, "runs.db"),
    },
  });
  server = child;
  let logs = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      logs += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(logs);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("close", (code) => reject(new Error(`serve exited with ${code}:\n${logs}`)));
  });
  const script = join(project, "try.mjs");
  await writeFile(
    script,
    [
      'import { createClient } from "@sandcaster/sdk";',
      "const client = createClient({ baseUrl: process.argv[2] });",
      'const stream = client.query({ prompt: "try the packages" });',
      "const seen = [];",
      "for await (const event of stream) seen.push(event.type);",
      "const result = await stream.finalResult();",
      "console.log(JSON.stringify({ seen, content: result.content, health: await client.health() }));",
    ].join("\n"),
  );
  const { stdout } = await run(process.execPath, [script, url], { cwd: project, env: { PATH } });
  const out = JSON.parse(stdout) as { seen: string[]; content: string; health: unknown };
  expect(out.content).toBe("packed and working");
  expect(out.seen).toEqual(expect.arrayContaining(["tool_use", "tool_output", "tool_result"]));
  expect(out.health).toMatchObject({ status: "ok" });
}, 120_000);

it("the installed CLI carries the starters: init --list, and init hello scaffolds the example", async () => {
  const bin = join(project, "node_modules", ".bin", "sandcaster");
  const list = await run(bin, ["init", "--list"], { cwd: project, env: { PATH } });
  expect(list.stdout).toMatch(/^ {2}code-review +reviews a sample module/m);
  await run(bin, ["init", "hello", "hello-project"], { cwd: project, env: { PATH } });
  const example = fileURLToPath(new URL("../../../examples/hello/", import.meta.url));
  for (const file of ["sandcaster.json", "README.md", ".env.example"]) {
    expect(await readFile(join(project, "hello-project", file), "utf8"), file).toBe(
      await readFile(join(example, file), "utf8"),
    );
  }
});
