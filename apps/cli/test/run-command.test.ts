// `sandcaster run pipeline.md` as a user runs it: in-process on the local sandbox (no model key),
// --in-place writing the results back (and a re-run replacing them), the pipeline's exit code, and
// the same against a server with --url.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, type ServerProcess, startServe } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let server: ServerProcess | undefined;
beforeEach(async () => {
  dir = await tempDir("run");
});
afterEach(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const PIPELINE =
  "# Build\n\n```bash\necho building\n```\n\n```bash\necho checking >&2\nexit 4\n```\n";

describe("sandcaster run", () => {
  it("runs in-process, writes results back in place, and exits with the pipeline's code", async () => {
    const file = join(dir, "build.md");
    await writeFile(file, PIPELINE);
    const env = { HOME: dir, SANDCASTER_DB: join(dir, "runs.db") };
    const first = await runCli(["run", "build.md", "--in-place", "--sandbox", "local"], env, dir);
    expect(first.code, first.stderr).toBe(4);
    expect(first.stdout).toContain("▶ step 1: echo building");
    expect(first.stdout).toContain("  │ building");
    expect(first.stdout).toContain("✗ step 2 · exit 4");
    const written = await readFile(file, "utf8");
    expect(
      written.startsWith("# Build\n\n```bash\necho building\n```\n\n<!-- sandcaster:result"),
    ).toBe(true);
    expect(written).toContain("```text\nchecking\n```");
    // The run's record agrees with the exit code: failed, naming the step.
    const [record] = JSON.parse((await runCli(["runs", "--json"], env, dir)).stdout).runs;
    expect(record).toMatchObject({
      kind: "pipeline",
      status: "error",
      errorCode: "PIPELINE_FAILED",
    });
    expect(record.error).toMatch(/^step 2: exit 4 in [\d.]+s \(step index 1\)$/);

    const again = await runCli(["run", "build.md", "--in-place", "--sandbox", "local"], env, dir);
    expect(again.code).toBe(4);
    const rewritten = await readFile(file, "utf8");
    expect(rewritten.match(/<!-- sandcaster:result /g)).toHaveLength(2);
    const masked = (text: string) => text.replace(/ in \d+\.\ds</g, " in N.Ns<");
    expect(masked(rewritten)).toBe(masked(written));

    const refused = await runCli(["run", "build.md", "--timeout", "1"], env, dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("timeout");
  });

  it("runs on a server with --url: the document with results on stdout, steps on stderr", async () => {
    const config = join(dir, "sandcaster.json");
    await writeFile(config, '{ "sandboxProvider": "local" }\n');
    server = await startServe(["--config", config], { SANDCASTER_DB: join(dir, "server.db") }, dir);
    await writeFile(join(dir, "ok.md"), "```bash\necho fine\n```\n");
    const result = await runCli(["run", "ok.md", "--url", server.url], { HOME: dir }, dir);
    expect(result.code, result.stderr).toBe(0);
    expect(
      result.stdout.startsWith(
        "```bash\necho fine\n```\n\n<!-- sandcaster:result step=1 exit=0 -->",
      ),
    ).toBe(true);
    expect(result.stderr).toContain("✓ step 1");
    expect(await readFile(join(dir, "ok.md"), "utf8")).toBe("```bash\necho fine\n```\n");
  });
});
