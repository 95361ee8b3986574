// bash tool: exit codes, timeouts and aborts killing the whole group, output cap, hidden keys.
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bashTool } from "./bash.js";
import { makeSandbox, type Sandbox } from "./test-helpers.js";

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.cleanup();
});

/** Gone, or a zombie nobody reaped yet (PID 1 in a container may never reap it). */
async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return !/^\d+ \(.*\) Z/.test(stat);
}

async function waitUntilDead(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!(await isAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !(await isAlive(pid));
}

describe("bash", () => {
  it("runs in cwd and returns stdout and stderr together", async () => {
    const r = await bashTool.run({ command: "pwd; echo out; echo err >&2" }, box.context());
    expect(r.isError).toBe(false);
    expect(r.content).toBe(`${box.cwd}\nout\nerr\n`);
  });

  it("reports a non-zero exit code as an error", async () => {
    const r = await bashTool.run({ command: "echo failing; exit 3" }, box.context());
    expect(r).toEqual({ isError: true, content: "failing\n\nexit code 3" });
  });

  it("says so when there is no output", async () => {
    const r = await bashTool.run({ command: "true" }, box.context());
    expect(r).toEqual({ isError: false, content: "(no output)" });
  });

  it("kills the whole process group on timeout", async () => {
    const started = Date.now();
    const r = await bashTool.run(
      { command: "sleep 30 & echo bg=$!; sleep 30", timeoutSecs: 1 },
      box.context(),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.isError).toBe(true);
    expect(r.content).toContain("command timed out after 1s");
    const pid = Number(/bg=(\d+)/.exec(r.content)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(await waitUntilDead(pid, 3000)).toBe(true);
  });

  it("caps the timeout at the context's bash limit", async () => {
    const started = Date.now();
    const r = await bashTool.run(
      { command: "sleep 30", timeoutSecs: 600 },
      box.context({ bashTimeoutMs: 500 }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toEqual({ isError: true, content: "command timed out after 0.5s" });
  });

  it("stops promptly when the run is aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = bashTool.run(
      { command: "sleep 30 & echo bg=$!; sleep 30" },
      box.context({ signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 300);
    const r = await pending;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/cancelled$/);
    const pid = Number(/bg=(\d+)/.exec(r.content)?.[1]);
    expect(await waitUntilDead(pid, 3000)).toBe(true);
  });

  it("does not start when already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await bashTool.run(
      { command: "touch ran" },
      box.context({ signal: controller.signal }),
    );
    expect(r).toEqual({ isError: true, content: "cancelled" });
  });

  it("caps huge output with a marker", async () => {
    const limit = 10_000;
    const r = await bashTool.run(
      { command: "yes | head -c 5000000" },
      box.context({ outputLimitChars: limit }),
    );
    expect(r.isError).toBe(false);
    expect(r.content.length).toBeLessThanOrEqual(limit + 100);
    const cut = Number(/\[\.\.\. (\d+) characters cut \.\.\.\]/.exec(r.content)?.[1]);
    expect(cut).toBeGreaterThan(5_000_000 - limit);
    expect(r.content.startsWith("y\ny\n")).toBe(true);
    expect(r.content.endsWith("y\ny\n")).toBe(true);
  });

  it("hides the model API keys from the shell", async () => {
    const saved = { ...process.env };
    process.env.ANTHROPIC_API_KEY = "sk-test-secret";
    process.env.OPENAI_API_KEY = "sk-test-secret";
    process.env.SANDCASTER_TEST_VISIBLE = "visible";
    try {
      const show =
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash expansion, not a JS template
        'echo "${ANTHROPIC_API_KEY:-unset} ${OPENAI_API_KEY:-unset} $SANDCASTER_TEST_VISIBLE"';
      const command = `${show}; env | grep -c sk-test-secret`;
      const r = await bashTool.run({ command }, box.context());
      expect(r.content).toBe("unset unset visible\n0\n\nexit code 1");
    } finally {
      for (const name of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "SANDCASTER_TEST_VISIBLE"]) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });

  it("returns once the shell exits even if a background job keeps the pipes", async () => {
    const started = Date.now();
    const r = await bashTool.run({ command: "sleep 30 & echo bg=$!" }, box.context());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.isError).toBe(false);
    process.kill(Number(/bg=(\d+)/.exec(r.content)?.[1]), "SIGKILL");
  });

  it("rejects invalid input", async () => {
    expect(await bashTool.run({ command: 5 }, box.context())).toEqual({
      isError: true,
      content: "invalid input: command: Invalid input: expected string, received number",
    });
    const r = await bashTool.run({ command: "true", extra: 1 }, box.context());
    expect(r).toEqual({ isError: true, content: "invalid input: extra: unknown field" });
  });
});
