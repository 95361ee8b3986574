// `sandcaster init`: every starter writes a commented sandcaster.json the real loader accepts, and
// a .env.example; existing files are never overwritten without --force.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "@sandcaster/core";
import { afterEach, beforeEach, expect, it } from "vitest";
import { CLI, runCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir("init");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it.each([
  {
    starter: undefined,
    config: { model: "sonnet", sandboxProvider: "local" },
    key: "ANTHROPIC_API_KEY=",
  },
  {
    starter: "docker",
    config: { sandboxProvider: "docker", docker: { image: "sandcaster-sandbox:latest" } },
    key: "ANTHROPIC_API_KEY=",
  },
  {
    starter: "e2b",
    config: { sandboxProvider: "e2b", e2b: { template: "base" } },
    key: "E2B_API_KEY=",
  },
  { starter: "openai", config: { provider: "openai", model: "gpt5" }, key: "OPENAI_API_KEY=" },
])(
  "starter $starter writes a commented config that loads, and its keys",
  async ({ starter, config, key }) => {
    const result = await runCli(["init", ...(starter ? [starter] : [])], {}, dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("wrote sandcaster.json\nwrote .env.example");
    const text = await readFile(join(dir, "sandcaster.json"), "utf8");
    expect(text).toMatch(/^\s*\/\/ /m);
    expect((await loadConfig(undefined, dir)).config).toMatchObject(config);
    const env = await readFile(join(dir, ".env.example"), "utf8");
    expect(env).toMatch(new RegExp(`^${key}$`, "m"));
    expect(env).not.toMatch(/^[A-Z_]+=\S/m); // placeholders only, never a value
  },
);

it("refuses to overwrite without --force, and overwrites with it", async () => {
  await writeFile(join(dir, "sandcaster.json"), '{ "model": "mine" }');
  const refused = await runCli(["init", "docker"], {}, dir);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    "sandcaster.json already exists; nothing written (--force overwrites)",
  );
  expect(await readFile(join(dir, "sandcaster.json"), "utf8")).toBe('{ "model": "mine" }');
  expect(await readFile(join(dir, ".env.example"), "utf8").catch(() => "absent")).toBe("absent");

  const forced = await runCli(["init", "docker", "--force"], {}, dir);
  expect(forced.code).toBe(0);
  expect((await loadConfig(undefined, dir)).config.sandboxProvider).toBe("docker");
});

it("writes into --dir, and rejects an unknown starter with exit 2", async () => {
  expect((await runCli(["init", "--dir", "sub/project"], {}, dir)).code).toBe(0);
  expect((await loadConfig("sub/project/sandcaster.json", dir)).source).toBeDefined();
  const unknown = await runCli(["init", "kubernetes"], {}, dir);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("choose one of minimal, docker, e2b, openai");
});

/** Every property name in a JSON Schema, at any depth. */
function propertyNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== "object") return into;
  const node = schema as Record<string, unknown>;
  for (const [name, sub] of Object.entries((node.properties as object | undefined) ?? {})) {
    into.add(name);
    propertyNames(sub, into);
  }
  for (const key of ["items", "additionalProperties"]) propertyNames(node[key], into);
  for (const key of ["anyOf", "oneOf", "allOf"])
    for (const sub of (node[key] as unknown[] | undefined) ?? []) propertyNames(sub, into);
  return into;
}

it.each(["minimal", "docker", "e2b", "openai"])(
  "starter %s explains every field of the config schema, and points $schema at it",
  async (starter) => {
    await runCli(["init", starter], {}, dir);
    const text = await readFile(join(dir, "sandcaster.json"), "utf8");
    // The schema the CLI's build wrote from the protocol's zod schema.
    const schema = JSON.parse(await readFile(join(CLI, "..", "sandcaster.schema.json"), "utf8"));
    const names = [...propertyNames(schema)];
    expect(names.length).toBeGreaterThan(60);
    for (const name of names) expect(text, name).toContain(`"${name}"`);
    expect(text).toContain(
      '"$schema": "./node_modules/@sandcaster/cli/dist/sandcaster.schema.json"',
    );
  },
);
