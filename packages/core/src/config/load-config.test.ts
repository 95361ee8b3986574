import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./load-config.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-config-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it("reads a commented sandcaster.json with trailing commas", async () => {
  await writeFile(
    join(dir, "sandcaster.json"),
    `{
  // Default model for every run.
  "model": "haiku",
  /* Where sandboxes run:
     local | docker | e2b */
  "sandboxProvider": "local",
  "docker": { "memoryMb": 1024, },
}
`,
  );
  const { config, source } = await loadConfig(undefined, dir);
  expect(source).toBe(join(dir, "sandcaster.json"));
  expect(config).toMatchObject({
    model: "haiku",
    sandboxProvider: "local",
    docker: { memoryMb: 1024 },
  });
});

it("still reports syntax errors and names the path of an unknown key", async () => {
  await writeFile(join(dir, "a.json"), '{\n  // fine\n  "model": "x",\n  "timeout": oops\n}');
  await expect(loadConfig("a.json", dir)).rejects.toThrow(ConfigError);
  await expect(loadConfig("a.json", dir)).rejects.toThrow(/is not valid JSON: .*oops/s);
  await writeFile(join(dir, "b.json"), '{ /* c */ "docker": { "memory": 5 } }');
  await expect(loadConfig("b.json", dir)).rejects.toThrow("docker.memory: unknown field");
});
