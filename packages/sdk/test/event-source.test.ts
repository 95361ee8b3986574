import { expect, it } from "vitest";
import { type EventOf, eventSource } from "../src/index.js";

it("eventSource says which branch and sub-agent an event came from", () => {
  expect(eventSource({ type: "assistant", content: "x" })).toEqual({});
  expect(
    eventSource({ type: "tool_use", toolName: "bash", content: "{}", branchId: "branch-1" }),
  ).toEqual({
    branchId: "branch-1",
  });
  expect(
    eventSource({ type: "assistant", content: "x", branchId: "branch-0", agent: "reviewer" }),
  ).toEqual({ branchId: "branch-0", agent: "reviewer" });
  // A newer server's event type passes through with its tags.
  expect(eventSource({ type: "branch_pause", branchId: "branch-2" })).toEqual({
    branchId: "branch-2",
  });
  const selected: EventOf<"branch_selected"> = {
    type: "branch_selected",
    content: "selected branch-1",
    branchId: "branch-1",
    branchIndex: 1,
    reason: "clearer",
    scores: { "branch-1": 0.9 },
  };
  expect(eventSource(selected)).toEqual({ branchId: "branch-1" });
});
