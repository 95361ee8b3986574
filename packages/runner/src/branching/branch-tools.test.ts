// The branching tools: what they tell the host, and that one starting branching waits for the
// host to stop the run instead of letting the agent carry on.
import type { SandcasterEvent } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import type { ToolContext } from "../tools/tool.js";
import { branchingTools } from "./branch-tools.js";

function setup(trigger: "explicit" | "confidence") {
  const emitted: SandcasterEvent[] = [];
  const [tool] = branchingTools((event) => emitted.push(event), {
    trigger,
    maxBranches: 3,
    confidenceThreshold: 0.5,
  });
  if (!tool) throw new Error("no tool");
  const stop = new AbortController();
  const context: ToolContext = {
    cwd: "/nonexistent",
    signal: stop.signal,
    outputLimitChars: 1000,
    bashTimeoutMs: 1000,
  };
  return { tool, emitted, stop, context };
}

describe("branch tool", () => {
  it("asks the host to branch, then waits until the host stops the run", async () => {
    const { tool, emitted, stop, context } = setup("explicit");
    expect(tool.name).toBe("branch");
    let settled = false;
    const call = tool.run({ alternatives: ["a", "b"], reason: "two ways" }, context).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(emitted).toEqual([
      expect.objectContaining({
        type: "branch_request",
        alternatives: ["a", "b"],
        reason: "two ways",
      }),
    ]);
    expect(settled).toBe(false);
    stop.abort();
    expect(await call).toMatchObject({ isError: true });
  });

  it("refuses more alternatives than maxBranches, asking nothing", async () => {
    const { tool, emitted, context } = setup("explicit");
    const outcome = await tool.run({ alternatives: ["a", "b", "c", "d"] }, context);
    expect(outcome.isError).toBe(true);
    expect(emitted).toEqual([]);
  });
});

describe("report_confidence tool", () => {
  it("a level at or over the threshold is noted and the agent carries on", async () => {
    const { tool, emitted, context } = setup("confidence");
    expect(tool.name).toBe("report_confidence");
    expect(await tool.run({ level: 0.5, reason: "fine" }, context)).toEqual({
      content: "noted; carry on",
      isError: false,
    });
    expect(emitted).toEqual([expect.objectContaining({ type: "confidence_report", level: 0.5 })]);
  });

  it("a level under it waits for the host to stop the run", async () => {
    const { tool, stop, context } = setup("confidence");
    const call = tool.run({ level: 0.1, reason: "unsure" }, context);
    stop.abort();
    expect(await call).toMatchObject({ isError: true });
  });
});
