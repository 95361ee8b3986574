// A sub-agent of another model family than its run: an Anthropic run whose `reviewer` is an OpenAI
// model. Its calls go to OpenAI through the run's own gateway (the sandbox holds only the run's
// token: the OpenAI key is added on the host), and its tokens and cost count toward the run.
import type { RunRecord, SandcasterEvent } from "@sandcaster/protocol";
import { costOfCall, ZERO_USAGE } from "@sandcaster/protocol";
import { type ModelDouble, type ScriptedTurn, startOpenAIDouble } from "@sandcaster/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();
/** Distinct enough to grep for in the sandbox's environment without being the key itself. */
const OPENAI_KEY = "sk-openai-SUBAGENTKEYMARK-42";

let t: TestServer | undefined;
let openai: ModelDouble | undefined;
afterEach(async () => {
  await t?.close();
  await openai?.close();
  t = undefined;
  openai = undefined;
});

const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens });
const cost = (model: string, u: { inputTokens: number; outputTokens: number }) =>
  costOfCall(model, { ...ZERO_USAGE, ...u }) ?? Number.NaN;

const AGENTS = {
  reviewer: {
    description: "Reviews with another model family",
    systemPrompt: "You are GPT-REVIEWER.",
    model: "gpt-5",
    allowedTools: ["bash"],
    maxTurns: 4,
  },
};

describe.each(SANDBOXES)("a sub-agent on another provider, on $sandbox", ({ sandbox, enabled }) => {
  async function servers(anthropicTurns: ScriptedTurn[], openaiTurns: ScriptedTurn[]) {
    const host = sandbox === "docker" ? await bridgeGateway() : "127.0.0.1";
    openai = await startOpenAIDouble({ turns: openaiTurns, host });
    t = await startTestServer({
      turns: anthropicTurns,
      sandbox,
      modelHost: host,
      config: { agents: AGENTS, model: "claude-sonnet-4-6" },
      env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: openai.url },
    });
    return t;
  }

  it.skipIf(!enabled)(
    "calls OpenAI through the run's gateway with the host's key; its tokens count toward the run",
    async () => {
      const server = await servers(
        [
          {
            toolCalls: [{ name: "task", input: { agent: "reviewer", prompt: "check the env" } }],
            usage: usage(100, 10),
          },
          { text: "parent done", usage: usage(200, 20) },
        ],
        [
          // The sub-agent looks for the OpenAI key in its environment (it must not be there).
          {
            toolCalls: [
              {
                name: "bash",
                input: { command: "echo KEYCOUNT=$(env | grep -c SUBAGENTKEYMARK)" },
              },
            ],
            usage: usage(1000, 100),
          },
          { text: "GPT-REVIEW: fine", usage: usage(2000, 200) },
        ],
      );
      const response = await postQuery(server.url, { prompt: "review" });
      expect(response.status).toBe(200);
      const runId = response.headers.get("x-run-id") ?? "";
      const events = (await readEvents(response)).map((e) => e.data);
      const result = events.at(-1) as Extract<SandcasterEvent, { type: "result" }>;
      expect(result).toMatchObject({ type: "result", content: "parent done" });

      // The sub-agent's calls went to OpenAI, with the real key added by the host's gateway.
      expect(openai?.requests).toHaveLength(2);
      for (const request of openai?.requests ?? []) {
        expect(request.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
        expect((request.body as { model?: string }).model).toBe("gpt-5");
      }
      expect(server.double.requests).toHaveLength(2);
      const start = events.find((e) => e.type === "system" && e.subtype === "subagent_start");
      expect(start).toMatchObject({ agent: "reviewer", model: "gpt-5", provider: "openai" });
      // Attack: the key never entered the sandbox.
      const bash = events.find((e) => e.type === "tool_result" && e.toolName === "bash");
      expect(bash).toMatchObject({
        agent: "reviewer",
        content: expect.stringContaining("KEYCOUNT=0"),
      });
      const task = events.find((e) => e.type === "tool_result" && e.toolName === "task");
      expect(task).toMatchObject({ isError: false, content: "GPT-REVIEW: fine" });

      // Tokens and cost of both families, as the gateway metered them, in the result and record.
      expect(result.usage).toMatchObject({ inputTokens: 3300, outputTokens: 330 });
      const expected = cost("claude-sonnet-4-6", usage(300, 30)) + cost("gpt-5", usage(3000, 300));
      expect(result.costUsd).toBeCloseTo(expected, 9);
      const record = (await (await fetch(`${server.url}/runs/${runId}`)).json()) as RunRecord;
      expect(record.usage).toMatchObject({ inputTokens: 3300, outputTokens: 330 });
      expect(record.costUsd).toBeCloseTo(expected, 9);
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
  );

  it.skipIf(!enabled)("the sub-agent's calls count toward the run's budget", async () => {
    const server = await servers(
      [
        {
          toolCalls: [{ name: "task", input: { agent: "reviewer", prompt: "work" } }],
          usage: usage(10, 1),
        },
        { text: "never reached" },
      ],
      [
        {
          toolCalls: [{ name: "bash", input: { command: "echo one" } }],
          usage: usage(1_000_000, 10),
        },
        { text: "never reached" },
      ],
    );
    // gpt-5's first call alone passes $0.5; the sub-agent's next call is refused.
    const response = await postQuery(server.url, { prompt: "go", budget: { maxCostUsd: 0.5 } });
    const events = (await readEvents(response)).map((e) => e.data);
    expect(events.at(-1)).toMatchObject({ type: "error", code: "BUDGET_EXCEEDED" });
    expect(openai?.requests).toHaveLength(1);
    expect(await expectNoLeftovers(response.headers.get("x-run-id") ?? "")).toEqual([]);
  });
});
