// Lines for a branching run and for sub-agents: the tag that says which branch or sub-agent an
// event came from, and one readable line (or two) per branch event. Events reach here cleaned.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { Palette } from "../terminal/colours.js";
import { formatCost, oneLine } from "./format.js";

type Of<T extends SandcasterEvent["type"]> = Extract<SandcasterEvent, { type: T }>;

/** `[branch-1]`, `[reviewer]`, `[branch-1 › reviewer]`, or "" for the run's own agent. */
export function eventTag(event: SandcasterEvent): string {
  const branch = "branchId" in event && typeof event.branchId === "string" ? event.branchId : "";
  const agent = "agent" in event && typeof event.agent === "string" ? event.agent : "";
  const parts = [branch, agent].filter(Boolean);
  return parts.length > 0 ? `[${parts.join(" › ")}]` : "";
}

export const BRANCH_EVENT_TYPES = new Set<string>([
  "branch_request",
  "confidence_report",
  "branch_start",
  "branch_progress",
  "branch_complete",
  "branch_selected",
  "branch_summary",
]);

export type BranchEvent = Of<
  | "branch_request"
  | "confidence_report"
  | "branch_start"
  | "branch_progress"
  | "branch_complete"
  | "branch_selected"
  | "branch_summary"
>;

const figures = (costUsd: number | undefined, numTurns: number | undefined) =>
  [
    numTurns === undefined ? "" : `${numTurns} turn${numTurns === 1 ? "" : "s"}`,
    formatCost(costUsd),
  ].filter(Boolean);

/** `branch-0 0.30 · branch-1 0.80 ★` (the winner starred), best first. */
export function scoresLine(scores: Record<string, number>, winner: string): string {
  return Object.entries(scores)
    .sort(([, a], [, b]) => b - a)
    .map(([id, score]) => `${id} ${score.toFixed(2)}${id === winner ? " ★" : ""}`)
    .join(" · ");
}

/**
 * The lines a branch event prints (none for a branch's progress unless verbose: its tool lines
 * and its branch_complete already say it). `width` bounds the one-line previews.
 */
export function branchLines(
  event: BranchEvent,
  palette: Palette,
  options: { verbose: boolean; width: number },
): string[] {
  const mark = palette.cyan("⑂");
  const dot = palette.dim(" · ");
  switch (event.type) {
    case "branch_request":
      return [
        `${mark} the agent asked to branch: ${oneLine(event.alternatives.join(" | "), options.width - 30)}`,
      ];
    case "confidence_report":
      return [
        `${mark} confidence ${event.level.toFixed(2)}: ${oneLine(event.reason, options.width - 20)}`,
      ];
    case "branch_start": {
      const model = event.model ? `${event.model} via ${event.provider}` : "default model";
      const where = event.sandboxProvider ? ` on ${event.sandboxProvider}` : "";
      const n = `${event.branchIndex + 1}/${event.totalBranches}`;
      return [`${mark} [${event.branchId}] started (${n}): ${model}${where}`];
    }
    case "branch_progress":
      // Its tool lines and its branch_complete already say it; verbose shows it anyway.
      return options.verbose ? [palette.dim(`⑂ ${event.content}`)] : [];
    case "branch_complete": {
      const ok = event.status === "success";
      const status = ok
        ? palette.green("✓ finished")
        : palette.red(`✗ failed${event.code ? ` [${event.code}]` : ""}`);
      const preview = event.content.trim()
        ? `${dot}${oneLine(event.content, Math.max(20, options.width - 50))}`
        : "";
      const parts = figures(event.costUsd, event.numTurns);
      return [
        `${mark} [${event.branchId}] ${status}${parts.length ? dot + parts.join(dot) : ""}${preview}`,
      ];
    }
    case "branch_selected": {
      const lines = [
        `${palette.green("★")} selected ${palette.bold(event.branchId)}: ${oneLine(event.reason, options.width - 20)}`,
      ];
      if (event.scores && Object.keys(event.scores).length > 0) {
        lines.push(palette.dim(`  scores: ${scoresLine(event.scores, event.branchId)}`));
      }
      return lines;
    }
    case "branch_summary": {
      const parts = [
        `${event.successCount}/${event.totalBranches} branches succeeded`,
        event.winnerId ? `winner ${event.winnerId}` : "no winner",
        `evaluator ${event.evaluator}`,
        `${formatCost(event.totalCostUsd)} in all${event.judgeCostUsd === undefined ? "" : ` (judge ${formatCost(event.judgeCostUsd)})`}`,
      ];
      return [`${mark} ${parts.join(dot)}`];
    }
  }
}
