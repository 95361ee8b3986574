// The CLI's manners through the real binary: a closed stdout (`| head`) cancels quietly, a
// mistyped command or flag gets a "did you mean", shell completion, .env, init's $schema.
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSqliteRunStore } from "@sandcaster/core";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMMAND_WORDS } from "../src/completion/words.js";
import { CLI, childEnv, runCli } from "./cli-process.js";
import { expectNoLocalLeftovers } from "./helpers.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("polish");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Runs `sandcaster <args> | head -1` in bash with pipefail: the CLI's own exit code comes out. */
function pipedToHead(args: string[], env: Record<string, string>) {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`);
  const child = spawn("bash", ["-o", "pipefail", "-c", `${quoted.join(" ")} 2>err.txt | head -1`], {
    cwd: dir,
    env: childEnv(env),
  });
  let stdout = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", async (code) =>
      resolve({ code, stdout, stderr: await readFile(join(dir, "err.txt"), "utf8") }),
    ),
  );
}

describe("a closed stdout", () => {
  it("query | head -1 cancels the run, exits 141 without a stack trace, leaves nothing", async () => {
    double = await startAnthropicDouble({
      turns: [
        {
          text: "Counting.",
          // Output for a minute: only a reader that left can end this run early.
          toolCalls: [
            {
              name: "bash",
              input: { command: "for i in $(seq 1 600); do echo line $i; sleep 0.1; done" },
            },
          ],
        },
        { text: "never" },
      ],
    });
    const env = {
      ANTHROPIC_API_KEY: "sk-ant-cli-test",
      ANTHROPIC_BASE_URL: double.url,
      SANDCASTER_DB: join(dir, "runs.db"),
      HOME: dir,
    };
    const started = performance.now();
    const result = await pipedToHead(
      ["query", "count", "--verbose", "--model", "haiku", "--sandbox", "local"],
      env,
    );
    expect(result.stdout).toMatch(/^▶ run run_\S+/);
    expect(result.code).toBe(141);
    expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(performance.now() - started).toBeLessThan(55_000);
    const runId = /▶ run (run_\S+)/.exec(result.stdout)?.[1] ?? "";
    const store = createSqliteRunStore({ path: env.SANDCASTER_DB });
    expect(await store.getRun(runId)).toMatchObject({ status: "cancelled" });
    await store.close();
    expect(await expectNoLocalLeftovers(runId)).toEqual([]);
  }, 90_000);
});

describe("did you mean", () => {
  it("names the closest command or flag, exit 2", async () => {
    const command = await runCli(["qurey", "x"], {}, dir);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "qurey"; did you mean query?');
    const flag = await runCli(["query", "x", "--modle", "haiku"], {}, dir);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--modle'; did you mean --model?");
    const far = await runCli(["zzzzzz"], {}, dir);
    expect(far.stderr).not.toContain("did you mean");
  });
});

describe("shell completion", () => {
  /** What bash offers for the words typed so far (the last one being completed). */
  async function complete(script: string, typed: string[]): Promise<string[]> {
    const words = typed.map((w) => `'${w}'`).join(" ");
    const probe = `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${typed.length - 1}; _sandcaster; printf '%s\\n' "\${COMPREPLY[@]}"`;
    await writeFile(join(dir, "probe.bash"), probe);
    const child = spawn("bash", [join(dir, "probe.bash")], { cwd: dir });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    await new Promise((resolve) => child.on("close", resolve));
    return out.split("\n").filter(Boolean);
  }

  it("bash completes commands, actions, flags and flag values", async () => {
    const bash = await runCli(["completion", "bash"], {}, dir);
    expect(bash.code).toBe(0);
    expect(await complete(bash.stdout, ["sandcaster", "qu"])).toEqual(["query"]);
    expect(await complete(bash.stdout, ["sandcaster", "runs", ""])).toEqual(["show", "tail"]);
    expect(await complete(bash.stdout, ["sandcaster", "runs", "--cu"])).toEqual(["--cursor"]);
    expect(await complete(bash.stdout, ["sandcaster", "query", "x", "--sandbox", "d"])).toEqual([
      "docker",
    ]);
    expect(await complete(bash.stdout, ["sandcaster", "runs", "--status", "c"])).toEqual([
      "completed",
      "cancelled",
    ]);
    const zsh = await runCli(["completion", "zsh"], {}, dir);
    expect(zsh.stdout).toMatch(/^#compdef sandcaster\n/);
    expect(zsh.stdout).toContain("bashcompinit");
    expect(zsh.stdout).toContain("complete -F _sandcaster sandcaster");
    expect((await runCli(["completion", "tcsh"], {}, dir)).code).toBe(2);
  });

  it("offers only flags each command's --help documents", async () => {
    for (const [command, { flags }] of Object.entries(COMMAND_WORDS)) {
      if (command === "help") continue;
      const help = await runCli([command, "--help"], {}, dir);
      for (const flag of flags) expect(help.stdout, `${command} ${flag}`).toContain(flag);
    }
  }, 120_000);
});

describe(".env", () => {
  it("is loaded from the working directory; the real environment wins over it", async () => {
    // Port 9 is one fetch refuses to dial: the error names the URL and nothing is contacted.
    await writeFile(join(dir, ".env"), "# from .env\nSANDCASTER_URL=http://127.0.0.1:9\n");
    const fromFile = await runCli(["runs"], { HOME: dir }, dir);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toContain("cannot reach http://127.0.0.1:9");
    const fromEnv = await runCli(
      ["runs"],
      { HOME: dir, SANDCASTER_URL: "http://127.0.0.1:7" },
      dir,
    );
    expect(fromEnv.stderr).toContain("cannot reach http://127.0.0.1:7");
  });
});

describe("init and the config schema", () => {
  it("writes $schema pointing at the schema the build ships, which the loader's rules made", async () => {
    const init = await runCli(["init"], { HOME: dir }, dir);
    expect(init.code).toBe(0);
    const config = await readFile(join(dir, "sandcaster.json"), "utf8");
    const path = /"\$schema": "\.\/node_modules\/@sandcaster\/cli\/(dist\/[^"]+)"/.exec(
      config,
    )?.[1];
    expect(path).toBe("dist/sandcaster.schema.json");
    // The file the path names, in this package (what node_modules/@sandcaster/cli holds).
    const schema = JSON.parse(await readFile(join(CLI, "..", "sandcaster.schema.json"), "utf8"));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.sandboxProvider.enum).toEqual(["local", "docker", "e2b"]);
    expect(schema.properties.docker.properties.network.enum).toContain("none");
    // init's own file passes the loader with its $schema.
    const doctor = await runCli(["doctor", "--json"], { HOME: dir }, dir);
    const checks = JSON.parse(doctor.stdout).checks as { id: string; status: string }[];
    expect(checks.find((c) => c.id === "config")?.status).toBe("ok");
  });
});
