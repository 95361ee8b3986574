// `sandcaster agents` through the real binary against `sandcaster serve` on docker, deploying
// examples/echo-agent from a directory: node_modules and .git left out of the upload, the build
// waited for, the table, show, live invoke with the agent's exit code, a secret read from stdin
// (never argv) that reaches the agent and no output, logs, rollback, delete, and usage errors.
import { createHash } from "node:crypto";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasService } from "@sandcaster/testkit/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentsServe, startAgentsServe } from "./agents-server.js";
import { type Finished, runCli, startCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

const enabled = hasService("docker");
const EXAMPLE = fileURLToPath(new URL("../../../examples/echo-agent", import.meta.url));
const SECRET = "cli-secret-93be1f04";

describe.skipIf(!enabled)("sandcaster agents against a server on docker", () => {
  let dir: string;
  let agentDir: string;
  let serve: AgentsServe;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(["agents", ...args], env, dir);

  /** The CLI with `input` on its stdin (then closed). */
  async function withStdin(args: string[], input: string): Promise<Finished> {
    const live = startCli(["agents", ...args], env, dir);
    live.child.stdin?.end(input);
    return live.finished;
  }

  beforeAll(async () => {
    dir = await tempDir("agents");
    agentDir = join(dir, "echo-agent");
    await cp(EXAMPLE, agentDir, { recursive: true });
    // 12 MiB in node_modules and .git: past the upload limit, so the deploy works only if both
    // are left out.
    for (const junk of ["node_modules/big", ".git/objects"]) {
      await mkdir(join(agentDir, junk), { recursive: true });
      await writeFile(join(agentDir, junk, "blob.bin"), Buffer.alloc(12 * 1024 * 1024, 7));
    }
    serve = await startAgentsServe(dir);
    env = { SANDCASTER_URL: serve.server.url };
  }, 300_000);
  afterAll(async () => {
    await serve?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it("deploys a directory and waits until the version is active", async () => {
    const deployed = await cli("deploy", agentDir, "--timeout", "600");
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stderr).toMatch(/^uploading echo-agent: \d+ files, \d+ KiB$/m);
    expect(Number(/(\d+) KiB/.exec(deployed.stderr)?.[1])).toBeLessThan(100);
    expect(deployed.stdout).toMatch(/^echo-agent v1 active/m);

    const table = (await cli("list")).stdout.trimEnd().split("\n");
    expect(table[0]).toMatch(/^NAME +STATUS +ACTIVE +VERSIONS +DEPLOYED +ENTRYPOINT$/);
    expect(table[1]).toMatch(/^echo-agent +active +v1 +1 +\S+ +node index\.js$/);
    const shown = await cli("show", "echo-agent");
    expect(shown.stdout).toMatch(/^ {2}secrets +EXAMPLE_TOKEN \(not set\)$/m);
    expect(shown.stdout).toMatch(/^v1 \* +active/m);
    const json = JSON.parse((await cli("show", "echo-agent", "--json")).stdout);
    expect(json).toMatchObject({ name: "echo-agent", activeVersion: 1 });
  }, 600_000);

  it("invokes: the agent's stdout live on stdout, its exit code as ours", async () => {
    const hello = await cli("invoke", "echo-agent", "hello world");
    expect([hello.code, hello.stdout]).toEqual([0, "HELLO WORLD!\n"]);

    const failed = await cli("invoke", "echo-agent", "fail now");
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain("echo-agent: asked to fail (fail now)");
    expect(failed.stderr).toMatch(/\[AGENT_FAILED\] the agent exited with code 3/);

    const lines = (await cli("invoke", "echo-agent", "json please", "--json")).stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ type: "result", content: "JSON PLEASE!\n" });

    // The prompt from stdin when none is given.
    const piped = await withStdin(["invoke", "echo-agent"], "from a pipe");
    expect([piped.code, piped.stdout]).toEqual([0, "FROM A PIPE!\n"]);

    // Live: "hanging" shows while the agent still runs; Ctrl-C cancels it (exit 130).
    const live = startCli(["agents", "invoke", "echo-agent", "hang"], env, dir);
    await live.waitFor(/^hanging$/m, 120_000);
    live.child.kill("SIGINT");
    expect((await live.finished).code).toBe(130);
  }, 300_000);

  it("sets a secret from stdin only: the agent gets it, no output or log shows it", async () => {
    // A value on the command line is refused before anything is sent.
    const onArgv = await cli("secrets", "set", "echo-agent", "EXAMPLE_TOKEN", SECRET);
    expect(onArgv.code).toBe(2);

    const set = await withStdin(["secrets", "set", "echo-agent", "EXAMPLE_TOKEN"], `${SECRET}\n`);
    expect(set.code, set.stderr).toBe(0);
    const digest = createHash("sha256").update(SECRET).digest("hex");
    const answer = await cli("invoke", "echo-agent", "secret");
    expect(answer.stdout).toBe(`token set: true; sha256: ${digest}\n`);
    const listed = await cli("secrets", "list", "echo-agent");
    expect(listed.stdout).toMatch(/^EXAMPLE_TOKEN {2}set \S+$/m);
    const leak = await cli("invoke", "echo-agent", "leak");
    expect(leak.code).toBe(0);
    const shown = await cli("show", "echo-agent", "--json");
    for (const text of [listed.stdout, leak.stdout, leak.stderr, shown.stdout, serve.server.logs()])
      expect(text).not.toContain(SECRET);

    const empty = await withStdin(["secrets", "set", "echo-agent", "OTHER"], "");
    expect(empty.code).toBe(2);
    expect((await cli("secrets", "delete", "echo-agent", "EXAMPLE_TOKEN")).code).toBe(0);
  }, 300_000);

  it("shows build logs, rolls back after a redeploy, and deletes only when confirmed", async () => {
    const logs = await cli("logs", "echo-agent", "--version", "1");
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout.length).toBeGreaterThan(0);
    expect(logs.stderr).toContain("(v1: active)");

    expect((await cli("deploy", agentDir, "--timeout", "600")).stdout).toMatch(
      /^echo-agent v2 active/m,
    );
    const rolled = await cli("rollback", "echo-agent", "1");
    expect([rolled.code, rolled.stdout]).toEqual([0, "echo-agent: invocations now use v1\n"]);
    expect(JSON.parse((await cli("show", "echo-agent", "--json")).stdout).activeVersion).toBe(1);

    // No terminal to confirm at: refused without --yes.
    const unconfirmed = await cli("delete", "echo-agent");
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("--yes");
    expect((await cli("delete", "echo-agent", "--yes")).code).toBe(0);
    const gone = await cli("show", "echo-agent");
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/404|not found|no agent/i);
  }, 600_000);

  it("refuses bad arguments and a bad manifest with exit 2, naming what is wrong", async () => {
    const bad = join(dir, "bad-agent");
    await mkdir(bad, { recursive: true });
    const missing = await cli("deploy", bad);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringContaining("sandcaster-agent.json"),
    ]);
    await writeFile(
      join(bad, "sandcaster-agent.json"),
      JSON.stringify({ name: "Bad", entrypoint: "x" }),
    );
    const invalid = await cli("deploy", bad);
    expect([invalid.code, invalid.stderr]).toEqual([
      2,
      expect.stringMatching(/sandcaster-agent\.json: name:/),
    ]);
    for (const args of [
      ["invok", "x"],
      ["show"],
      ["rollback", "echo-agent", "zero"],
      ["secrets", "get", "echo-agent"],
      ["logs", "echo-agent", "--version", "0"],
    ]) {
      expect((await cli(...args)).code, args.join(" ")).toBe(2);
    }
    const noServer = await runCli(["agents", "list"], {}, dir);
    expect(noServer.code).toBe(2);
  }, 120_000);
});
