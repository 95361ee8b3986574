// A session history shared by the history tests: a turn with parallel calls answered out of order,
// an error result and a call-only step, then a plain turn.
import type { HistoryTurn } from "@sandcaster/protocol";

export const SESSION_HISTORY: HistoryTurn[] = [
  {
    prompt: "what does a.txt say?",
    steps: [
      {
        kind: "assistant",
        text: "Let me look.",
        toolCalls: [
          { id: "toolu_01A", name: "list_files", input: { path: "." } },
          { id: "toolu_01B", name: "read_file", input: { path: "a.txt" } },
        ],
      },
      {
        kind: "tool_results",
        results: [
          { id: "toolu_01B", name: "read_file", content: "hello", isError: false },
          { id: "toolu_01A", name: "list_files", content: "a.txt", isError: false },
        ],
      },
      {
        kind: "assistant",
        text: "",
        toolCalls: [{ id: "call_9", name: "bash", input: { command: "false" } }],
      },
      {
        kind: "tool_results",
        results: [{ id: "call_9", name: "bash", content: "exit code 1", isError: true }],
      },
      { kind: "assistant", text: "a.txt says hello.", toolCalls: [] },
    ],
  },
  {
    prompt: "thanks",
    steps: [{ kind: "assistant", text: "You're welcome.", toolCalls: [] }],
  },
];
