// The bundle started idle (--await-config), as a pooled sandbox starts it: it warms up holding
// nothing of any run, says it is ready only before a run's output, and runs the config it is given.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { AWAIT_CONFIG_FLAG, RUNNER_READY_LINE, SandcasterEventSchema } from "@sandcaster/protocol";
import { startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { makeWorkspace, type Workspace } from "./run-bundle.js";

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

/** Starts the idle runner; `lines` fills with its stdout lines as they come. */
function startIdle(workspace: Workspace) {
  const child = spawn(process.execPath, [join(workspace.dir, "runner.mjs"), AWAIT_CONFIG_FLAG], {
    cwd: workspace.dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: workspace.dir },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), 25_000);
  const lines: string[] = [];
  let buffer = "";
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.resume();
  const closed = once(child, "close").then(([code]) => {
    clearTimeout(guard);
    return code as number | null;
  });
  const firstLine = () =>
    new Promise<string | undefined>((resolve) => {
      if (lines.length > 0) resolve(lines[0]);
      else {
        waiters.push(() => resolve(lines[0]));
        void closed.then(() => resolve(lines[0]));
      }
    });
  const send = (start: unknown) => child.stdin.end(`${JSON.stringify(start)}\n`);
  return { lines, firstLine, send, closed };
}

const TURNS = [{ text: "done", usage: { inputTokens: 5, outputTokens: 1 } }];

describe("a pre-booted runner", () => {
  it("warms up, says it is ready, then runs the run it is given", async () => {
    ws = await makeWorkspace();
    const double = await startAnthropicDouble({ turns: TURNS });
    try {
      const runner = startIdle(ws);
      expect(await runner.firstLine()).toBe(RUNNER_READY_LINE);
      runner.send({
        config: {
          prompt: "hi",
          cwd: ws.workspace,
          provider: "anthropic",
          model: "claude-haiku-4-5",
        },
        env: { ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_BASE_URL: double.url },
      });
      expect(await runner.closed).toBe(0);
      const events = runner.lines
        .slice(1)
        .map((line) => SandcasterEventSchema.parse(JSON.parse(line)));
      expect(events.at(-1)).toMatchObject({ type: "result", subtype: "success", content: "done" });
      // The rehearsal went to its own throwaway server: the model saw the run's call only.
      expect(double.requests).toHaveLength(1);
    } finally {
      await double.close();
    }
  });

  it("given its run while still warming up, runs it and never prints the ready line among its events", async () => {
    ws = await makeWorkspace();
    const double = await startAnthropicDouble({ turns: TURNS });
    try {
      const runner = startIdle(ws);
      runner.send({
        config: {
          prompt: "hi",
          cwd: ws.workspace,
          provider: "anthropic",
          model: "claude-haiku-4-5",
        },
        env: { ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_BASE_URL: double.url },
      });
      expect(await runner.closed).toBe(0);
      // Before the first event it would be harmless (the host strips it there); never after.
      const events = runner.lines.slice(runner.lines[0] === RUNNER_READY_LINE ? 1 : 0);
      expect(events).not.toContain(RUNNER_READY_LINE);
      const parsed = events.map((line) => SandcasterEventSchema.parse(JSON.parse(line)));
      expect(parsed.at(-1)).toMatchObject({ type: "result", subtype: "success" });
    } finally {
      await double.close();
    }
  });
});
