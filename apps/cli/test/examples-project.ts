// What every example test does first: scaffold the example with the real `sandcaster init`, then
// run it as its README says, with a scripted model in place of the real one.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { runCli } from "./cli-process.js";

export const TEST_KEY = "sk-ant-examples-test";

/** `sandcaster init <name> project` in `dir`; resolves with the project's path. */
export async function scaffold(name: string, dir: string): Promise<string> {
  const result = await runCli(["init", name, "project"], { HOME: dir }, dir);
  expect(result.code, result.stderr).toBe(0);
  return join(dir, "project");
}

/** The environment a run gets: the scripted Anthropic double instead of api.anthropic.com. */
export function modelEnv(dir: string, doubleUrl: string): Record<string, string> {
  return {
    ANTHROPIC_API_KEY: TEST_KEY,
    ANTHROPIC_BASE_URL: doubleUrl,
    SANDCASTER_DB: join(dir, "runs.db"),
    HOME: dir,
  };
}

/** The events `sandcaster query --json` printed, one JSON object per line. */
export function jsonEvents(stdout: string): Record<string, unknown>[] {
  return stdout
    .trimEnd()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The project's sandcaster.json as written (the examples keep their comments on lines of their own). */
export async function readConfig(project: string): Promise<Record<string, unknown>> {
  const text = await readFile(join(project, "sandcaster.json"), "utf8");
  const json = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("//"))
    .join("\n");
  return JSON.parse(json) as Record<string, unknown>;
}

/** Rewrites sandcaster.json with `change` applied (what a user edits; comments are dropped). */
export async function editConfig(
  project: string,
  change: (config: Record<string, unknown>) => void,
): Promise<void> {
  const config = await readConfig(project);
  change(config);
  await writeFile(join(project, "sandcaster.json"), JSON.stringify(config, null, 2));
}
