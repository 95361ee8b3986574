import { describe, expect, it } from "vitest";
import { SESSION_HISTORY } from "./history.fixture.js";
import { anthropicHistory } from "./history-anthropic.js";
import { repairHistory } from "./history-repair.js";

describe("anthropicHistory", () => {
  it("maps turns to Messages: tool_use blocks, then tool_result blocks in call order", () => {
    expect(anthropicHistory(repairHistory(SESSION_HISTORY))).toEqual([
      { role: "user", content: "what does a.txt say?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me look." },
          { type: "tool_use", id: "toolu_01A", name: "list_files", input: { path: "." } },
          { type: "tool_use", id: "toolu_01B", name: "read_file", input: { path: "a.txt" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_01A", content: "a.txt", is_error: false },
          { type: "tool_result", tool_use_id: "toolu_01B", content: "hello", is_error: false },
        ],
      },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "call_9", name: "bash", input: { command: "false" } }],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_9", content: "exit code 1", is_error: true },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "a.txt says hello." }] },
      { role: "user", content: "thanks" },
      { role: "assistant", content: [{ type: "text", text: "You're welcome." }] },
    ]);
  });

  it("is empty for no history", () => {
    expect(anthropicHistory([])).toEqual([]);
  });
});
