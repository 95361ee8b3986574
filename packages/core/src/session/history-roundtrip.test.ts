// Host and runner agree: a turn recorded from one run's events (on Anthropic) is what the next
// run (on another provider) sends as native history.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type RunnerConfigInput,
  type SandcasterEvent,
  SandcasterEventSchema,
} from "@sandcaster/protocol";
import {
  type ModelDouble,
  startAnthropicDouble,
  startGeminiDouble,
  startOpenAIDouble,
} from "@sandcaster/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { runnerBundlePath } from "../run/runner-bundle.js";
import { turnFromEvents } from "./transcript.js";
import { trimHistory } from "./trim-history.js";

let dir: string | undefined;
const doubles: ModelDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function runRunner(
  config: Omit<RunnerConfigInput, "cwd">,
  env: Record<string, string>,
): Promise<SandcasterEvent[]> {
  dir ??= await mkdtemp(join(tmpdir(), "sandcaster-history-"));
  const configPath = join(dir, "config.json");
  await writeFile(configPath, JSON.stringify({ cwd: dir, ...config }));
  const child = spawn(process.execPath, [runnerBundlePath(), "--config", configPath], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  await new Promise((resolve) => child.on("close", resolve));
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => SandcasterEventSchema.parse(JSON.parse(line)));
}

async function firstTurn() {
  const anthropic = await startAnthropicDouble({
    turns: [
      { text: "I'll check.", toolCalls: [{ name: "bash", input: { command: "echo hi" } }] },
      { text: "It printed hi." },
    ],
  });
  doubles.push(anthropic);
  const prompt = "what does echo hi print?";
  const events = await runRunner(
    { prompt, model: "claude-sonnet-4-6" },
    { ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_BASE_URL: anthropic.url },
  );
  return trimHistory([turnFromEvents(prompt, events)], 50).turns;
}

describe("a session turn recorded on Anthropic continues on another provider", () => {
  it("on Gemini, calls and responses paired by position and name", async () => {
    const history = await firstTurn();
    const gemini = await startGeminiDouble({ turns: [{ text: "Again: hi." }] });
    doubles.push(gemini);
    await runRunner(
      { prompt: "and again?", model: "gemini-2.5-flash", history },
      { GOOGLE_API_KEY: "google-test-key", GOOGLE_GEMINI_BASE_URL: gemini.url },
    );
    const body = gemini.requests[0]?.body as { contents: unknown[] };
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "what does echo hi print?" }] },
      {
        role: "model",
        parts: [
          { text: "I'll check." },
          { functionCall: { name: "bash", args: { command: "echo hi" } } },
        ],
      },
      {
        role: "user",
        parts: [
          {
            functionResponse: {
              name: "bash",
              response: { output: expect.stringContaining("hi") },
            },
          },
        ],
      },
      { role: "model", parts: [{ text: "It printed hi." }] },
      { role: "user", parts: [{ text: "and again?" }] },
    ]);
  });

  it("on OpenAI, with Anthropic's tool id carried over", async () => {
    const history = await firstTurn();
    const callId =
      history[0]?.steps[0]?.kind === "assistant" && history[0].steps[0].toolCalls[0]?.id;
    expect(callId).toMatch(/^toolu_/);
    const openai = await startOpenAIDouble({ turns: [{ text: "Again: hi." }] });
    doubles.push(openai);
    await runRunner(
      { prompt: "and again?", model: "gpt-5", history },
      { OPENAI_API_KEY: "sk-openai-test", OPENAI_BASE_URL: openai.url },
    );
    const body = openai.requests[0]?.body as { messages: unknown[] };
    expect(body.messages.slice(1)).toEqual([
      { role: "user", content: "what does echo hi print?" },
      {
        role: "assistant",
        content: "I'll check.",
        tool_calls: [
          {
            id: callId,
            type: "function",
            function: { name: "bash", arguments: '{"command":"echo hi"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: callId, content: expect.stringContaining("hi") },
      { role: "assistant", content: "It printed hi." },
      { role: "user", content: "and again?" },
    ]);
  });
});
