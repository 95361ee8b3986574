// The closing line of a run: status, turns, tokens in/out, cost, duration.
import type { Palette } from "../terminal/colours.js";
import { formatCost, formatSeconds, formatTokens } from "./format.js";
import type { RunSummary } from "./run-tally.js";

export function summaryLine(summary: RunSummary, palette: Palette): string {
  const parts: string[] = [];
  if (summary.numTurns !== undefined)
    parts.push(`${summary.numTurns} turn${summary.numTurns === 1 ? "" : "s"}`);
  if (summary.usage) parts.push(`${formatTokens(summary.usage)} tokens`);
  if (summary.costUsd !== undefined) parts.push(formatCost(summary.costUsd));
  if (summary.durationSecs !== undefined) parts.push(formatSeconds(summary.durationSecs));
  if (summary.files > 0) parts.push(`${summary.files} file${summary.files === 1 ? "" : "s"}`);
  return [statusLabel(summary, palette), ...parts].join(palette.dim(" · "));
}

function statusLabel(summary: RunSummary, palette: Palette): string {
  const code = summary.errorCode ? ` [${summary.errorCode}]` : "";
  switch (summary.status) {
    case "completed":
      return summary.subtype
        ? palette.yellow(`■ completed (${summary.subtype})`)
        : palette.green("✓ completed");
    case "cancelled":
      return palette.yellow("■ cancelled");
    case "running":
      return palette.yellow("… still running");
    case "error":
      return palette.red(`✗ failed${code}`);
  }
}
