// Every model provider family through the real path and the host's gateway: POST /query, the runner
// in a real local sandbox (no network of its own), the provider's wire double on the host. The key
// reaches the double only from the gateway, and the run's usage and cost are what the double streamed.
import { randomUUID } from "node:crypto";
import { checkBwrap } from "@sandcaster/core";
import { costOfCall, type ModelProvider, ZERO_USAGE } from "@sandcaster/protocol";
import {
  type ModelDouble,
  type ScriptedTurn,
  startAnthropicDouble,
  startGeminiDouble,
  startOpenAIDouble,
} from "@sandcaster/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const bwrap = await checkBwrap(undefined, process.execPath);
if (!bwrap.ok) console.log("gateway provider tests skipped: no working bubblewrap");

const families: {
  provider: ModelProvider;
  model: string;
  keyVar: string;
  baseUrlVar: string;
  start(turns: ScriptedTurn[]): Promise<ModelDouble>;
  keyOf(headers: Record<string, string>): string | undefined;
}[] = [
  {
    provider: "anthropic",
    model: "claude-sonnet-4-6",
    keyVar: "ANTHROPIC_API_KEY",
    baseUrlVar: "ANTHROPIC_BASE_URL",
    start: (turns) => startAnthropicDouble({ turns }),
    keyOf: (h) => h["x-api-key"],
  },
  {
    provider: "openai",
    model: "gpt-5",
    keyVar: "OPENAI_API_KEY",
    baseUrlVar: "OPENAI_BASE_URL",
    start: (turns) => startOpenAIDouble({ turns }),
    keyOf: (h) => h.authorization?.replace(/^Bearer /, ""),
  },
  {
    provider: "google",
    model: "gemini-2.5-flash",
    keyVar: "GOOGLE_API_KEY",
    baseUrlVar: "GOOGLE_GEMINI_BASE_URL",
    start: (turns) => startGeminiDouble({ turns }),
    keyOf: (h) => h["x-goog-api-key"],
  },
  {
    provider: "openrouter",
    model: "anthropic/claude-sonnet-4.6",
    keyVar: "OPENROUTER_API_KEY",
    baseUrlVar: "OPENROUTER_BASE_URL",
    start: (turns) => startOpenAIDouble({ turns }),
    keyOf: (h) => h.authorization?.replace(/^Bearer /, ""),
  },
];

let t: TestServer | undefined;
let double: ModelDouble | undefined;
afterEach(async () => {
  await t?.close();
  await double?.close();
  t = undefined;
  double = undefined;
});

describe.skipIf(!bwrap.ok).each(families)("a $provider run through the gateway", (family) => {
  it("reaches the model with the host's key and records the usage the model streamed", async () => {
    const key = `${family.provider}-key-${randomUUID()}`;
    const first = { inputTokens: 1000, outputTokens: 100 };
    const second = { inputTokens: 2000, outputTokens: 50 };
    double = await family.start([
      { toolCalls: [{ name: "bash", input: { command: "echo hi" } }], usage: first },
      { text: "done", usage: second },
    ]);
    t = await startTestServer({
      sandbox: "local",
      turns: [],
      env: { [family.keyVar]: key, [family.baseUrlVar]: double.url },
    });
    const response = await postQuery(t.url, {
      prompt: "say hi",
      provider: family.provider,
      model: family.model,
    });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    const result = events.at(-1)?.data as { type: string; costUsd?: number; usage?: object };
    expect(result.type).toBe("result");
    expect(double.requests).toHaveLength(2);
    expect(double.requests.every((r) => family.keyOf(r.headers) === key)).toBe(true);
    const usage = { ...ZERO_USAGE, inputTokens: 3000, outputTokens: 150 };
    const cost =
      (costOfCall(family.model, { ...ZERO_USAGE, ...first }) ?? Number.NaN) +
      (costOfCall(family.model, { ...ZERO_USAGE, ...second }) ?? Number.NaN);
    expect(result.usage).toEqual(usage);
    expect(result.costUsd).toBeCloseTo(cost, 9);
    const record = (await (await fetch(`${t.url}/runs/${runId}`)).json()) as {
      usage?: object;
      costUsd?: number;
    };
    expect(record.usage).toEqual(usage);
    expect(record.costUsd).toBeCloseTo(cost, 9);
    expect(JSON.stringify(events)).not.toContain(key);
    // An honest runner's own count agrees with the gateway's: no METERING_MISMATCH noise.
    expect(events.filter((e) => e.data.type === "warning")).toEqual([]);
  });
});
