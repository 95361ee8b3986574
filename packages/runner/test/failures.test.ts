// Bad config and failing model APIs end in a clear error event and a non-zero exit, never a hang.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PROVIDERS, provider } from "./providers.js";
import { makeWorkspace, ofType, runBundle, runRaw, type Workspace } from "./run-bundle.js";

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

describe("bad config", () => {
  it("rejects a file that is not JSON", async () => {
    ws = await makeWorkspace();
    const path = join(ws.dir, "broken.json");
    await writeFile(path, "{ not json");
    const run = await runRaw(ws, ["--config", path], {});
    expect(run.exitCode).toBe(2);
    expect(run.events).toEqual([
      expect.objectContaining({
        type: "error",
        code: "INVALID_CONFIG",
        content: expect.stringContaining("not valid JSON"),
      }),
    ]);
  });

  it("names an unknown tool in allowedTools", async () => {
    ws = await makeWorkspace();
    const run = await runBundle(ws, { prompt: "x", allowedTools: ["bash", "teleport"] }, {});
    expect(run.exitCode).toBe(2);
    const [error] = ofType(run.events, "error");
    expect(error?.code).toBe("INVALID_CONFIG");
    expect(error?.content).toContain("allowedTools.1");
    expect(error?.content).toContain('unknown tool "teleport"');
  });

  it("names every field that is wrong", async () => {
    ws = await makeWorkspace();
    const run = await runBundle(ws, { prompt: "", maxTurns: 0, surprise: true } as never, {});
    expect(run.exitCode).toBe(2);
    const [error] = ofType(run.events, "error");
    expect(error?.content).toMatch(/prompt: .*maxTurns: .*surprise: unknown field/);
  });

  it("says which variable to set when no key is present", async () => {
    ws = await makeWorkspace();
    const run = await runBundle(ws, { prompt: "x", model: "claude-sonnet-4-6" }, {});
    expect(run.exitCode).toBe(1);
    expect(ofType(run.events, "error")[0]).toMatchObject({
      code: "NO_MODEL_CREDENTIALS",
      hint: expect.stringContaining("ANTHROPIC_API_KEY"),
    });
  });
});

describe.each(PROVIDERS.filter((p) => p.name !== "openrouter"))(
  "model API failures via $name",
  (p) => {
    async function runAgainst(turns: Parameters<typeof p.start>[0], retries: number) {
      ws = await makeWorkspace();
      const double = await p.start(turns);
      try {
        const run = await runBundle(
          ws,
          { prompt: "hi", model: p.model, limits: { modelRetries: retries } },
          p.env(double),
        );
        return { run, requests: double.requests.length };
      } finally {
        await double.close();
      }
    }

    it("401 → MODEL_AUTH_FAILED with a hint naming the key variable", async () => {
      const { run } = await runAgainst(
        [{ error: { status: 401, message: "invalid x-api-key" } }],
        3,
      );
      expect(run.exitCode).toBe(1);
      const [error] = ofType(run.events, "error");
      expect(error?.code).toBe("MODEL_AUTH_FAILED");
      expect(error?.hint).toMatch(/_API_KEY/);
      expect(ofType(run.events, "result")).toHaveLength(0);
    });

    it("429 with retry-after is retried, then succeeds", async () => {
      const { run, requests } = await runAgainst(
        [
          { error: { status: 429, message: "slow down", retryAfterSecs: 0 } },
          { error: { status: 429, message: "slow down", retryAfterSecs: 1 } },
          { text: "finally" },
        ],
        3,
      );
      expect(run.exitCode).toBe(0);
      expect(requests).toBe(3);
      const warnings = ofType(run.events, "warning").filter((w) => w.code === "MODEL_RATE_LIMITED");
      expect(warnings).toHaveLength(2);
      expect(warnings[1]?.content).toContain("retrying in 1.0s");
      expect(run.elapsedMs).toBeGreaterThanOrEqual(1000);
      expect(ofType(run.events, "result")[0]?.content).toBe("finally");
    });

    it("429 beyond the retry budget → MODEL_RATE_LIMITED", async () => {
      const limited = { error: { status: 429, message: "slow down", retryAfterSecs: 0 } };
      const { run, requests } = await runAgainst([limited, limited], 1);
      expect(requests).toBe(2);
      expect(run.exitCode).toBe(1);
      expect(ofType(run.events, "error")[0]?.code).toBe("MODEL_RATE_LIMITED");
    });

    it("500 → MODEL_API_ERROR", async () => {
      const { run } = await runAgainst([{ error: { status: 500, message: "boom" } }], 0);
      expect(run.exitCode).toBe(1);
      expect(ofType(run.events, "error")[0]).toMatchObject({
        code: "MODEL_API_ERROR",
        content: expect.stringContaining("500"),
      });
    });

    it("a stream cut mid-way → MODEL_STREAM_INTERRUPTED, not retried once text was streamed, no hang", async () => {
      const { run, requests } = await runAgainst(
        [
          // Cut once the first text delta is out (Anthropic opens with message_start, ping, block start).
          {
            text: "this answer will be cut off somewhere",
            cutAfterEvents: { anthropic: 4, openai: 2, google: 1 }[p.name] ?? 1,
          },
          { text: "a retry must not happen" },
        ],
        3,
      );
      expect(ofType(run.events, "assistant").length).toBeGreaterThan(0);
      expect(run.exitCode).toBe(1);
      expect(run.signal).toBeNull();
      expect(requests).toBe(1);
      expect(ofType(run.events, "error")[0]?.code).toBe("MODEL_STREAM_INTERRUPTED");
      expect(ofType(run.events, "result")).toHaveLength(0);
      expect(JSON.stringify(run.events)).not.toContain("a retry must not happen");
    });
  },
);

describe("run limits", () => {
  it("times out a slow model with a TIMEOUT error", async () => {
    ws = await makeWorkspace();
    const p = provider("anthropic");
    const double = await p.start([{ text: "too late", delayMs: 10_000 }]);
    try {
      const run = await runBundle(
        ws,
        { prompt: "hi", model: p.model, timeoutSecs: 1 },
        p.env(double),
      );
      expect(run.exitCode).toBe(1);
      expect(run.elapsedMs).toBeLessThan(8000);
      expect(ofType(run.events, "error")[0]).toMatchObject({
        code: "TIMEOUT",
        hint: expect.any(String),
      });
    } finally {
      await double.close();
    }
  });

  it("stops at maxTurns with error_max_turns, keeping tool_use/tool_result paired", async () => {
    ws = await makeWorkspace();
    const p = provider("openai");
    const double = await p.start([
      { text: "step one", toolCalls: [{ name: "bash", input: { command: "touch one" } }] },
      { text: "step two", toolCalls: [{ name: "bash", input: { command: "touch two" } }] },
    ]);
    try {
      const run = await runBundle(
        ws,
        { prompt: "loop", model: p.model, maxTurns: 2 },
        p.env(double),
      );
      expect(run.exitCode).toBe(0);
      expect(ofType(run.events, "tool_use")).toHaveLength(2);
      const results = ofType(run.events, "tool_result");
      expect(results.map((r) => r.isError)).toEqual([false, true]);
      expect(results[1]?.content).toContain("maxTurns");
      expect(ofType(run.events, "result")[0]).toMatchObject({
        subtype: "error_max_turns",
        numTurns: 2,
        content: "step two",
      });
    } finally {
      await double.close();
    }
  });

  it("is cancelled by SIGTERM with a CANCELLED error", async () => {
    ws = await makeWorkspace();
    const p = provider("anthropic");
    const double = await p.start([
      { toolCalls: [{ name: "bash", input: { command: "sleep 30" } }] },
      { text: "never" },
    ]);
    try {
      const run = await runBundle(ws, { prompt: "hi", model: p.model }, p.env(double), {
        onLine: (line, child) => {
          if (line.includes('"tool_use"')) setTimeout(() => child.kill("SIGTERM"), 200);
        },
      });
      expect(run.exitCode).toBe(1);
      expect(run.elapsedMs).toBeLessThan(10_000);
      expect(ofType(run.events, "error")[0]?.code).toBe("CANCELLED");
    } finally {
      await double.close();
    }
  });
});
