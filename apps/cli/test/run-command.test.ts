// `sandcaster run pipeline.md` as a user runs it: in-process on the local sandbox (no model key),
// --in-place writing the results back (and a re-run replacing them), the pipeline's exit code, and
// the same against a server with --url.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { serveSuite } from "./serve-suite.js";

const suite = serveSuite("run");

const PIPELINE =
  "# Build\n\n```bash\necho building\n```\n\n```bash\necho checking >&2\nexit 4\n```\n";

describe("sandcaster run", () => {
  it("runs in-process, writes results back in place, and exits with the pipeline's code", async () => {
    const file = join(suite.dir, "build.md");
    await writeFile(file, PIPELINE);
    const env = { HOME: suite.dir, SANDCASTER_DB: join(suite.dir, "runs.db") };
    const first = await runCli(
      ["run", "build.md", "--in-place", "--sandbox", "local"],
      env,
      suite.dir,
    );
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
    const [record] = JSON.parse((await runCli(["runs", "--json"], env, suite.dir)).stdout).runs;
    expect(record).toMatchObject({
      kind: "pipeline",
      status: "error",
      errorCode: "PIPELINE_FAILED",
    });
    expect(record.error).toMatch(/^step 2: exit 4 in [\d.]+s \(step index 1\)$/);

    const again = await runCli(
      ["run", "build.md", "--in-place", "--sandbox", "local"],
      env,
      suite.dir,
    );
    expect(again.code).toBe(4);
    const rewritten = await readFile(file, "utf8");
    expect(rewritten.match(/<!-- sandcaster:result /g)).toHaveLength(2);
    const masked = (text: string) => text.replace(/ in \d+\.\ds</g, " in N.Ns<");
    expect(masked(rewritten)).toBe(masked(written));

    const refused = await runCli(["run", "build.md", "--timeout", "1"], env, suite.dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("timeout");
  });

  it("runs on a server with --url: the document with results on stdout, steps on stderr", async () => {
    const config = join(suite.dir, "sandcaster.json");
    await writeFile(config, '{ "sandboxProvider": "local" }\n');
    const server = await suite.serve(
      ["--config", config],
      { SANDCASTER_DB: join(suite.dir, "server.db") },
      suite.dir,
    );
    await writeFile(join(suite.dir, "ok.md"), "```bash\necho fine\n```\n");
    const result = await runCli(
      ["run", "ok.md", "--url", server.url],
      { HOME: suite.dir },
      suite.dir,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(
      result.stdout.startsWith(
        "```bash\necho fine\n```\n\n<!-- sandcaster:result step=1 exit=0 -->",
      ),
    ).toBe(true);
    expect(result.stderr).toContain("✓ step 1");
    expect(await readFile(join(suite.dir, "ok.md"), "utf8")).toBe("```bash\necho fine\n```\n");
  });
});
