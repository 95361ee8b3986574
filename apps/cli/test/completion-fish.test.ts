// `sandcaster completion fish`, loaded into a real fish: what it offers for what is typed so far.
import { spawn, spawnSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir("fish");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fishFound = spawnSync("fish", ["--version"]).status === 0;
if (!fishFound)
  console.log("fish completion: skipped, fish is not installed (apt-get install fish)");

describe.runIf(fishFound)("fish completion", () => {
  /** The candidates fish gives for the command line (`complete -C`), without descriptions. */
  async function complete(script: string, line: string): Promise<string[]> {
    await writeFile(join(dir, "sandcaster.fish"), script);
    const probe = `source ${join(dir, "sandcaster.fish")}; complete -C ${JSON.stringify(line)}`;
    const child = spawn("fish", ["--no-config", "-c", probe], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(err).toBe("");
    expect(code).toBe(0);
    return out
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t")[0] ?? "")
      .sort();
  }

  it("completes commands, actions, flags and the values of closed flags", async () => {
    const fish = await runCli(["completion", "fish"], {}, dir);
    expect(fish.code, fish.stderr).toBe(0);
    const script = fish.stdout;
    expect(await complete(script, "sandcaster qu")).toEqual(["query"]);
    expect(await complete(script, "sandcaster runs ")).toEqual(["show", "tail"]);
    expect(await complete(script, "sandcaster sessions ")).toEqual([
      "create",
      "delete",
      "list",
      "show",
    ]);
    // No action after an id; flags still.
    expect(await complete(script, "sandcaster runs show run_abc ")).toEqual([]);
    expect(await complete(script, "sandcaster runs --cu")).toEqual(["--cursor"]);
    expect(await complete(script, "sandcaster sessions --a")).toEqual(["--all"]);
    expect(await complete(script, "sandcaster query x --sandbox d")).toEqual(["docker"]);
    // --status differs by command.
    expect(await complete(script, "sandcaster runs --status c")).toEqual([
      "cancelled",
      "completed",
    ]);
    expect(await complete(script, "sandcaster sessions --status ")).toEqual([
      "active",
      "deleted",
      "expired",
    ]);
    expect(await complete(script, "sandcaster completion ")).toEqual(["bash", "fish", "zsh"]);
    // A path flag and `run`'s document complete files.
    await writeFile(join(dir, "pipeline.md"), "");
    expect(await complete(script, "sandcaster run pipe")).toEqual(["pipeline.md"]);
    expect(await complete(script, "sandcaster query x --out pipe")).toEqual(["pipeline.md"]);
    // Other commands do not offer files.
    expect(await complete(script, "sandcaster runs show pipe")).toEqual([]);
  });
});
