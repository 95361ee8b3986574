// What the agent does with tools, limits, thinking and output formats, seen through the built bundle.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { provider } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

async function scripted(
  name: Parameters<typeof provider>[0],
  turns: Parameters<ReturnType<typeof provider>["start"]>[0],
  config: Record<string, unknown>,
) {
  ws = await makeWorkspace();
  const p = provider(name);
  const double = await p.start(turns);
  try {
    const run = await runBundle(ws, { prompt: "task", model: p.model, ...config }, p.env(double));
    return { run, requests: double.requests };
  } finally {
    await double.close();
  }
}

describe("tools", () => {
  it("refuses a path outside the working directory and carries on", async () => {
    const { run } = await scripted(
      "anthropic",
      [
        { toolCalls: [{ name: "read_file", input: { path: "../config.json" } }] },
        { text: "could not read it" },
      ],
      {},
    );
    expect(run.exitCode).toBe(0);
    const [result] = ofType(run.events, "tool_result");
    expect(result?.isError).toBe(true);
    expect(result?.content).toMatch(/outside the working directory/);
    expect(result?.content).not.toContain("prompt");
    expect(ofType(run.events, "result")[0]?.subtype).toBe("success");
  });

  it("caps a huge tool output before it reaches the model or the client", async () => {
    const { run, requests } = await scripted(
      "openai",
      [
        {
          toolCalls: [
            { name: "bash", input: { command: "head -c 3000000 /dev/zero | tr '\\0' a" } },
          ],
        },
        { text: "ok" },
      ],
      { limits: { toolOutputChars: 5000 } },
    );
    expect(run.exitCode).toBe(0);
    const [result] = ofType(run.events, "tool_result");
    expect(result?.content.length).toBeLessThan(5500);
    expect(result?.content).toMatch(/characters cut/);
    expect(JSON.stringify(requests[1]?.body).length).toBeLessThan(20_000);
  });

  it("offers only allowedTools and refuses a call to any other", async () => {
    const { run, requests } = await scripted(
      "google",
      [{ toolCalls: [{ name: "bash", input: { command: "echo hi" } }] }, { text: "fine" }],
      { allowedTools: ["Read", "list_files"] },
    );
    expect(run.exitCode).toBe(0);
    const declared = JSON.stringify(requests[0]?.body);
    expect(declared).toContain('"read_file"');
    expect(declared).toContain('"list_files"');
    expect(declared).not.toContain('"bash"');
    expect(ofType(run.events, "tool_result")[0]).toMatchObject({
      isError: true,
      content: expect.stringContaining("not available"),
    });
  });

  it("edits a staged file and the change is on disk", async () => {
    ws = await makeWorkspace();
    await writeFile(join(ws.workspace, "app.txt"), "colour = red\n");
    const p = provider("anthropic");
    const double = await p.start([
      {
        toolCalls: [
          { name: "edit_file", input: { path: "app.txt", old_string: "red", new_string: "blue" } },
        ],
      },
      { text: "changed" },
    ]);
    try {
      const run = await runBundle(ws, { prompt: "make it blue", model: p.model }, p.env(double));
      expect(ofType(run.events, "tool_result")[0]?.isError).toBe(false);
      const { readFile } = await import("node:fs/promises");
      expect(await readFile(join(ws.workspace, "app.txt"), "utf8")).toBe("colour = blue\n");
    } finally {
      await double.close();
    }
  });
});

describe("thinking", () => {
  it("maps thinkingLevel to a budget on Claude 4.5 and replays the signed thinking block", async () => {
    const { run, requests } = await scripted(
      "anthropic",
      [
        {
          thinking: "Let me list the files first.",
          toolCalls: [{ name: "list_files", input: {} }],
        },
        { thinking: "Nothing there.", text: "The workspace is empty." },
      ],
      { thinkingLevel: "medium", model: "claude-haiku-4-5" },
    );
    expect(run.exitCode).toBe(0);
    const body = requests[0]?.body as { thinking?: unknown; max_tokens?: number };
    expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 4096 });
    expect(body.max_tokens).toBeGreaterThan(4096);
    const complete = ofType(run.events, "thinking").filter((e) => e.subtype === "complete");
    expect(complete.map((e) => e.content)).toEqual([
      "Let me list the files first.",
      "Nothing there.",
    ]);
    const replay = JSON.stringify(requests[1]?.body);
    expect(replay).toMatch(
      /"type":"thinking","thinking":"Let me list the files first.","signature":"[^"]+"/,
    );
  });

  it("maps thinkingLevel to adaptive thinking with an effort on Claude 4.6 and later", async () => {
    const { requests, run } = await scripted("anthropic", [{ thinking: "ok", text: "a" }], {
      thinkingLevel: "high",
    });
    expect(run.stderr).toBe("");
    const body = requests[0]?.body as { thinking?: unknown; output_config?: unknown };
    expect(body.thinking).toEqual({ type: "adaptive" });
    expect(body.output_config).toEqual({ effort: "high" });
  });

  it("maps thinkingLevel to OpenAI's reasoning_effort and Gemini's thinking budget", async () => {
    const openai = await scripted("openai", [{ text: "a" }], { thinkingLevel: "high" });
    expect(openai.requests[0]?.body).toMatchObject({ reasoning_effort: "high" });
    await ws?.cleanup();
    const google = await scripted("google", [{ thinking: "hmm", text: "b" }], {
      thinkingLevel: "low",
    });
    expect(JSON.stringify(google.requests[0]?.body)).toContain('"thinkingBudget":1024');
    expect(ofType(google.run.events, "thinking").length).toBeGreaterThan(0);
  });
});

describe("settings a model cannot honour", () => {
  it("warns instead of sending reasoning_effort to a model that rejects it", async () => {
    const { run, requests } = await scripted("openai", [{ text: "ok" }], {
      model: "gpt-4o",
      thinkingLevel: "high",
    });
    expect(run.exitCode).toBe(0);
    expect(requests[0]?.body).not.toHaveProperty("reasoning_effort");
    expect(ofType(run.events, "warning")).toContainEqual(
      expect.objectContaining({
        code: "UNSUPPORTED_SETTING",
        content: expect.stringContaining("gpt-4o"),
      }),
    );
  });

  it("uses the smallest thinking budget where Gemini Pro cannot turn thinking off", async () => {
    const { run, requests } = await scripted("google", [{ text: "ok" }], {
      model: "gemini-2.5-pro",
      thinkingLevel: "none",
    });
    expect(JSON.stringify(requests[0]?.body)).toContain('"thinkingBudget":128');
    expect(ofType(run.events, "warning")[0]?.code).toBe("UNSUPPORTED_SETTING");
  });

  it("sends the output token limit to OpenAI-compatible servers", async () => {
    const { requests } = await scripted("openai", [{ text: "ok" }], {
      limits: { maxOutputTokens: 2048 },
    });
    expect(requests[0]?.body).toMatchObject({ max_tokens: 2048 });
  });
});

describe("results", () => {
  it("omits costUsd and warns for a model without a known price", async () => {
    const { run } = await scripted("openai", [{ text: "hi" }], {
      model: "llama-local-7b",
      provider: "openai",
    });
    const [result] = ofType(run.events, "result");
    expect(result?.costUsd).toBeUndefined();
    expect(result?.usage?.outputTokens).toBeGreaterThan(0);
    expect(ofType(run.events, "warning")[0]?.code).toBe("UNKNOWN_MODEL_PRICE");
  });

  it("parses the final answer for outputFormat, and warns when it does not match", async () => {
    const outputFormat = {
      type: "json_schema",
      schema: { type: "object", properties: { files: { type: "integer" } }, required: ["files"] },
    } as const;
    const good = await scripted("anthropic", [{ text: '```json\n{"files": 3}\n```' }], {
      outputFormat,
    });
    expect(ofType(good.run.events, "result")[0]?.structuredOutput).toEqual({ files: 3 });
    expect(JSON.stringify(good.requests[0]?.body)).toContain("JSON Schema");
    await ws?.cleanup();
    const bad = await scripted("anthropic", [{ text: '{"files": "three"}' }], { outputFormat });
    expect(ofType(bad.run.events, "result")[0]?.structuredOutput).toBeUndefined();
    expect(ofType(bad.run.events, "warning")[0]).toMatchObject({
      code: "OUTPUT_FORMAT_MISMATCH",
      content: expect.stringContaining("files"),
    });
  });

  it("uses the systemPrompt and keeps stdout to protocol lines only", async () => {
    const { run, requests } = await scripted("anthropic", [{ text: "arr" }], {
      systemPrompt: "You are a pirate.",
    });
    expect(JSON.stringify(requests[0]?.body)).toContain("You are a pirate.");
    expect(run.lines.every((l) => l.startsWith('{"type":'))).toBe(true);
  });
});
