// The agent's side of speculative branching. `branch` hands the host alternative approaches;
// `report_confidence` tells it how sure the agent is. Either one that starts branching waits
// for the host to stop this run (the branches carry on in sandboxes of their own), so the agent
// makes no further model call that would be thrown away.
import type { RunnerBranching } from "@sandcaster/protocol";
import * as z from "zod";
import type { Emit } from "../emit.js";
import { CANCELLED, defineTool, ok } from "../tools/define.js";
import type { ToolDefinition } from "../tools/tool.js";

/** Resolves when the host stops the run (the tool's signal aborts). */
function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

export function branchTool(emit: Emit, settings: RunnerBranching): ToolDefinition {
  return defineTool({
    name: "branch",
    description: `When several quite different approaches to the task could work and you cannot tell which is best, call this with up to ${settings.maxBranches} alternatives (each a short description of one approach). Each alternative is then tried from the start in a fresh sandbox of its own and the best result is kept; this attempt ends here.`,
    schema: z.strictObject({
      alternatives: z.array(z.string().min(1).max(10_000)).min(2).max(settings.maxBranches),
      reason: z.string().max(2000).optional().describe("why branching helps here"),
    }),
    async run(input, context) {
      emit({
        type: "branch_request",
        content: `asked to branch into ${input.alternatives.length} alternatives`,
        alternatives: input.alternatives,
        ...(input.reason ? { reason: input.reason } : {}),
      });
      await untilStopped(context.signal);
      return CANCELLED;
    },
  });
}

export function reportConfidenceTool(emit: Emit, settings: RunnerBranching): ToolDefinition {
  return defineTool({
    name: "report_confidence",
    description:
      "Report how confident you are (0 to 1) that your current approach will solve the task, with the reason. Call it once you have a first view of the task. If your confidence is low, several fresh attempts are made in parallel and the best is kept; this attempt then ends.",
    schema: z.strictObject({
      level: z.number().min(0).max(1),
      reason: z.string().min(1).max(2000),
    }),
    async run(input, context) {
      emit({
        type: "confidence_report",
        content: `confidence ${input.level}: ${input.reason}`,
        level: input.level,
        reason: input.reason,
      });
      if (input.level >= settings.confidenceThreshold) return ok("noted; carry on");
      await untilStopped(context.signal);
      return CANCELLED;
    },
  });
}

/** The tool of the run's trigger (the host reads only that trigger's event). */
export function branchingTools(emit: Emit, settings: RunnerBranching): ToolDefinition[] {
  return [
    settings.trigger === "explicit"
      ? branchTool(emit, settings)
      : reportConfidenceTool(emit, settings),
  ];
}
