// The built bundle continues a session: each provider's first request carries the earlier turns in
// its native shape (a tool call and its result included), with the new prompt last.
import type { HistoryTurn } from "@sandcaster/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { provider } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

// Ids as an Anthropic run would have left them; every provider must pair them up all the same.
const HISTORY: HistoryTurn[] = [
  {
    prompt: "write hello to out.txt",
    steps: [
      {
        kind: "assistant",
        text: "I'll create the file.",
        toolCalls: [
          { id: "toolu_01Hist", name: "bash", input: { command: "echo hello > out.txt" } },
        ],
      },
      {
        kind: "tool_results",
        results: [{ id: "toolu_01Hist", name: "bash", content: "(no output)", isError: false }],
      },
      { kind: "assistant", text: "Done: out.txt says hello.", toolCalls: [] },
    ],
  },
  {
    prompt: "what is in out.txt?",
    steps: [{ kind: "assistant", text: "It says hello.", toolCalls: [] }],
  },
];
const PROMPT = "now append world";

const EXPECTED = {
  anthropic: (body: Record<string, unknown>) =>
    expect(body.messages).toEqual([
      { role: "user", content: "write hello to out.txt" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "I'll create the file." },
          {
            type: "tool_use",
            id: "toolu_01Hist",
            name: "bash",
            input: { command: "echo hello > out.txt" },
          },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_01Hist",
            content: "(no output)",
            is_error: false,
          },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "Done: out.txt says hello." }] },
      { role: "user", content: "what is in out.txt?" },
      { role: "assistant", content: [{ type: "text", text: "It says hello." }] },
      { role: "user", content: PROMPT },
    ]),
  openai: (body: Record<string, unknown>) => {
    const [system, ...rest] = body.messages as Record<string, unknown>[];
    expect(system?.role).toBe("system");
    expect(rest).toEqual([
      { role: "user", content: "write hello to out.txt" },
      {
        role: "assistant",
        content: "I'll create the file.",
        tool_calls: [
          {
            id: "toolu_01Hist",
            type: "function",
            function: { name: "bash", arguments: '{"command":"echo hello > out.txt"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "toolu_01Hist", content: "(no output)" },
      { role: "assistant", content: "Done: out.txt says hello." },
      { role: "user", content: "what is in out.txt?" },
      { role: "assistant", content: "It says hello." },
      { role: "user", content: PROMPT },
    ]);
  },
  google: (body: Record<string, unknown>) =>
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "write hello to out.txt" }] },
      {
        role: "model",
        parts: [
          { text: "I'll create the file." },
          { functionCall: { name: "bash", args: { command: "echo hello > out.txt" } } },
        ],
      },
      {
        role: "user",
        parts: [{ functionResponse: { name: "bash", response: { output: "(no output)" } } }],
      },
      { role: "model", parts: [{ text: "Done: out.txt says hello." }] },
      { role: "user", parts: [{ text: "what is in out.txt?" }] },
      { role: "model", parts: [{ text: "It says hello." }] },
      { role: "user", parts: [{ text: PROMPT }] },
    ]),
};

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

describe.each(["anthropic", "openai", "google"] as const)("session history via %s", (name) => {
  it("sends the earlier turns in the native shape, then the new prompt", async () => {
    const p = provider(name);
    ws = await makeWorkspace();
    const double = await p.start([{ text: "Appended." }]);
    try {
      const run = await runBundle(
        ws,
        { prompt: PROMPT, model: p.model, history: HISTORY },
        p.env(double),
      );
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      expect(ofType(run.events, "result")[0]).toMatchObject({
        subtype: "success",
        content: "Appended.",
        numTurns: 1,
      });
      expect(double.requests).toHaveLength(1);
      EXPECTED[name](double.requests[0]?.body as Record<string, unknown>);
    } finally {
      await double.close();
    }
  });
});
