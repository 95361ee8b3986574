import { describe, expect, it } from "vitest";
import { SESSION_HISTORY } from "./history.fixture.js";
import { openAIHistory } from "./history-openai.js";
import { repairHistory } from "./history-repair.js";

describe("openAIHistory", () => {
  it("maps turns to Chat Completions: assistant tool_calls, then one tool message per call", () => {
    expect(openAIHistory(repairHistory(SESSION_HISTORY))).toEqual([
      { role: "user", content: "what does a.txt say?" },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          {
            id: "toolu_01A",
            type: "function",
            function: { name: "list_files", arguments: '{"path":"."}' },
          },
          {
            id: "toolu_01B",
            type: "function",
            function: { name: "read_file", arguments: '{"path":"a.txt"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "toolu_01A", content: "a.txt" },
      { role: "tool", tool_call_id: "toolu_01B", content: "hello" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_9",
            type: "function",
            function: { name: "bash", arguments: '{"command":"false"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_9", content: "Error: exit code 1" },
      { role: "assistant", content: "a.txt says hello." },
      { role: "user", content: "thanks" },
      { role: "assistant", content: "You're welcome." },
    ]);
  });
});
