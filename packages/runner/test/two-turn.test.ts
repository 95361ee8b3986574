// The built bundle completes a two-turn task (bash tool call, then an answer) against every wire double.
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { PROVIDERS } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

// Per-call usage the doubles report; OpenAI and Gemini have no cache-write counter on the wire.
const TURN1 = { inputTokens: 1000, outputTokens: 50, cacheReadTokens: 200, cacheWriteTokens: 100 };
const TURN2 = { inputTokens: 1500, outputTokens: 80, cacheReadTokens: 300 };

// Worked by hand from the providers' price pages (USD per million tokens).
const EXPECTED = {
  // claude-sonnet-4-6: 3 in, 15 out, 0.30 cache read, 3.75 cache write
  anthropic: { cost: (2500 * 3 + 130 * 15 + 500 * 0.3 + 100 * 3.75) / 1e6, cacheWrite: 100 },
  // gpt-5: 1.25 in, 10 out, 0.125 cached input
  openai: { cost: (2500 * 1.25 + 130 * 10 + 500 * 0.125) / 1e6, cacheWrite: 0 },
  // gemini-2.5-flash: 0.30 in, 2.50 out, 0.03 cached
  google: { cost: (2500 * 0.3 + 130 * 2.5 + 500 * 0.03) / 1e6, cacheWrite: 0 },
  // OpenRouter passes Anthropic's prices through
  openrouter: { cost: (2500 * 3 + 130 * 15 + 500 * 0.3) / 1e6, cacheWrite: 0 },
};

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

describe.each(PROVIDERS)("two-turn task via $name", (p) => {
  it("runs bash, answers, and reports usage and cost", async () => {
    ws = await makeWorkspace();
    const double = await p.start([
      {
        text: "I'll create the file.",
        toolCalls: [{ name: "bash", input: { command: "echo hello > out.txt && cat out.txt" } }],
        usage: p.name === "anthropic" ? TURN1 : { ...TURN1, cacheWriteTokens: 0 },
      },
      { text: "Done: out.txt says hello.", usage: TURN2 },
    ]);
    try {
      const run = await runBundle(
        ws,
        { prompt: "write hello to out.txt", model: p.model },
        p.env(double),
      );
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      expect(run.lines.length).toBe(run.events.length);

      const types = run.events.map((e) => e.type);
      expect(types[0]).toBe("system");
      expect(types.at(-1)).toBe("result");
      expect(types.indexOf("tool_use")).toBeLessThan(types.indexOf("tool_result"));

      const [use] = ofType(run.events, "tool_use");
      const [toolResult] = ofType(run.events, "tool_result");
      expect(use?.toolName).toBe("bash");
      expect(JSON.parse(use?.content ?? "")).toEqual({
        command: "echo hello > out.txt && cat out.txt",
      });
      expect(use?.toolUseId).toBeTruthy();
      expect(toolResult).toMatchObject({
        toolName: "bash",
        toolUseId: use?.toolUseId,
        isError: false,
      });
      expect(toolResult?.content).toContain("hello");
      expect(await readFile(`${run.workspace}/out.txt`, "utf8")).toBe("hello\n");

      const deltas = ofType(run.events, "assistant").filter((e) => e.subtype === "delta");
      expect(deltas.length).toBeGreaterThan(2);
      expect(deltas.map((d) => d.content).join("")).toBe(
        "I'll create the file.Done: out.txt says hello.",
      );

      const [result] = ofType(run.events, "result");
      expect(result).toMatchObject({
        subtype: "success",
        content: "Done: out.txt says hello.",
        numTurns: 2,
        model: p.model,
        usage: {
          inputTokens: 2500,
          outputTokens: 130,
          cacheReadTokens: 500,
          cacheWriteTokens: EXPECTED[p.name].cacheWrite,
        },
      });
      expect(result?.costUsd).toBeCloseTo(EXPECTED[p.name].cost, 12);
      expect(result?.durationSecs).toBeGreaterThanOrEqual(0);

      // The model saw the key, both calls, and turn 2 carried the tool output back under the same id.
      expect(double.requests).toHaveLength(2);
      expect(Object.values(double.requests[0]?.headers ?? {})).toContainEqual(p.keyHeader);
      const second = JSON.stringify(double.requests[1]?.body);
      // Gemini sent no call id, so ours stays local and the response is matched by name.
      expect(second).toContain(
        p.name === "google" ? '"functionResponse"' : (use?.toolUseId ?? "no id"),
      );
      expect(second).toContain("hello");
      expect(double.pending()).toBe(0);
    } finally {
      await double.close();
    }
  });
});
