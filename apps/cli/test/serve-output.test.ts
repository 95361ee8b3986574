// What `sandcaster serve` prints: on a terminal a banner and readable log lines (key names, never
// values); piped, JSON lines only on stdout; --log-format / SANDCASTER_LOG_FORMAT override both.
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";
import { openPane, plain, type TmuxPane } from "./tmux.js";

const SECRET = "serve-banner-test-value-4711";

let dir: string;
let pane: TmuxPane | undefined;
beforeEach(async () => {
  dir = await tempDir("serve-output");
});
afterEach(async () => {
  await pane?.kill();
  pane = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function serveArgs(...extra: string[]) {
  const config = join(dir, "sandcaster.json");
  await writeFile(config, JSON.stringify({ sandboxProvider: "local" }));
  return ["serve", "--port", "0", "--config", config, ...extra];
}
const env = () => ({
  ANTHROPIC_API_KEY: SECRET,
  SANDCASTER_API_KEY: "sc-bearer-secret-0815",
  SANDCASTER_DB: join(dir, "runs.db"),
});

describe.runIf(hasService("tmux"))("serve on a terminal", () => {
  it("prints a banner (console, docs, sandbox, key names) and readable log lines", async () => {
    pane = await openPane(await serveArgs(), env(), dir);
    const screen = plain(await pane.waitFor(/API docs +http:\/\/127\.0\.0\.1:\d+\/docs/));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(screen)?.[1];
    expect(url).toBeDefined();
    expect(screen).toContain(`console      ${url}/`);
    expect(screen).toContain("sandbox      local");
    expect(screen).toContain("model keys   ANTHROPIC_API_KEY");
    expect(screen).toContain("auth         bearer token (SANDCASTER_API_KEY)");
    // One readable line per entry: time, level, message, fields.
    expect(screen).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: sandcaster listening \{"url":"http/m);
    expect(screen).not.toMatch(/"level":30/);
    // A request carrying keys gets logged redacted, and nothing prints a key's value.
    await fetch(`${url}/query`, {
      method: "POST",
      headers: {
        authorization: "Bearer sc-bearer-secret-0815",
        "content-type": "application/json",
      },
      body: JSON.stringify({ prompt: 1, apiKeys: { anthropic: SECRET } }),
    });
    await pane.keys("C-c");
    expect(await pane.exited()).toBe(0);
    const after = plain(await pane.capture());
    expect(after).toMatch(/INFO: shut down/);
    expect(after).not.toContain(SECRET);
    expect(after).not.toContain("sc-bearer-secret-0815");
  });

  it("--log-format json keeps JSON lines on a terminal", async () => {
    pane = await openPane(await serveArgs("--log-format", "json"), env(), dir);
    const screen = plain(await pane.waitFor(/"msg":"sandcaster listening"/));
    expect(screen).toMatch(/^\{"level":30,.*"msg":"config loaded"\}$/m);
    await pane.keys("C-c");
    expect(await pane.exited()).toBe(0);
  });
});

describe("serve piped", () => {
  it("writes JSON lines only to stdout; the banner goes to stderr", async () => {
    const cli = startCli(await serveArgs(), env(), dir);
    // The banner comes last (after the signal handlers): wait for it on stderr.
    await new Promise<void>((resolve) => {
      const check = () => /auth {9}/.test(cli.stderr()) && resolve();
      cli.child.stderr?.on("data", () => setImmediate(check));
      check();
    });
    cli.child.kill("SIGTERM");
    const { code, stdout, stderr } = await cli.finished;
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(stdout).not.toContain("API docs");
    expect(stderr).toMatch(/API docs +http:\/\/127\.0\.0\.1:\d+\/docs/);
    expect(stderr).toContain("model keys   ANTHROPIC_API_KEY");
    expect(stdout + stderr).not.toContain(SECRET);
  });

  it("SANDCASTER_LOG_FORMAT=pretty asks for readable lines and the banner on stdout", async () => {
    const cli = startCli(await serveArgs(), { ...env(), SANDCASTER_LOG_FORMAT: "pretty" }, dir);
    await cli.waitFor(/API docs/);
    cli.child.kill("SIGTERM");
    const { code, stdout } = await cli.finished;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: config loaded/m);
    expect(stdout).not.toMatch(/^\{/m);
  });

  it("an unknown --log-format is a usage error naming the flag", async () => {
    const cli = startCli(await serveArgs("--log-format", "xml"), env(), dir);
    const { code, stderr } = await cli.finished;
    expect(code).not.toBe(0);
    expect(stderr).toContain('--log-format: "xml" is not a log format (json or pretty)');
  });
});
