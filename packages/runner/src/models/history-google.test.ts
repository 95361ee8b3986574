import { describe, expect, it } from "vitest";
import { SESSION_HISTORY } from "./history.fixture.js";
import { geminiHistory } from "./history-google.js";
import { repairHistory } from "./history-repair.js";

describe("geminiHistory", () => {
  it("maps turns to contents: functionCall parts, then functionResponse parts by position and name", () => {
    expect(geminiHistory(repairHistory(SESSION_HISTORY))).toEqual([
      { role: "user", parts: [{ text: "what does a.txt say?" }] },
      {
        role: "model",
        parts: [
          { text: "Let me look." },
          { functionCall: { name: "list_files", args: { path: "." } } },
          { functionCall: { name: "read_file", args: { path: "a.txt" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "list_files", response: { output: "a.txt" } } },
          { functionResponse: { name: "read_file", response: { output: "hello" } } },
        ],
      },
      { role: "model", parts: [{ functionCall: { name: "bash", args: { command: "false" } } }] },
      {
        role: "user",
        parts: [{ functionResponse: { name: "bash", response: { error: "exit code 1" } } }],
      },
      { role: "model", parts: [{ text: "a.txt says hello." }] },
      { role: "user", parts: [{ text: "thanks" }] },
      { role: "model", parts: [{ text: "You're welcome." }] },
    ]);
  });

  it("keeps user and model alternating when a turn ended on tool results", () => {
    const contents = geminiHistory(
      repairHistory([
        {
          prompt: "go",
          steps: [
            { kind: "assistant", text: "", toolCalls: [{ id: "x", name: "bash", input: {} }] },
            {
              kind: "tool_results",
              results: [{ id: "x", name: "bash", content: "", isError: false }],
            },
          ],
        },
      ]),
    );
    expect(contents.map((c) => c.role)).toEqual(["user", "model", "user", "model"]);
  });
});
