// `runs show`: one run, every recorded field a person may ask about, one per line.
import type { RunRecord } from "@sandcaster/protocol";
import { formatAge, formatCost, formatSeconds } from "../render/format.js";
import type { RunSummary } from "../render/run-tally.js";
import type { Palette } from "../terminal/colours.js";
import { paintStatus } from "./status-style.js";

export function runDetails(run: RunRecord, palette: Palette, now = Date.now()): string {
  const rows: [string, string | undefined][] = [
    ["prompt", run.prompt],
    ["model", run.model && (run.provider ? `${run.model} via ${run.provider}` : run.model)],
    ["sandbox", run.sandboxProvider],
    ["started", `${run.startedAt} (${formatAge(run.startedAt, now)})`],
    ["ended", run.endedAt],
    ["duration", run.durationSecs === undefined ? undefined : formatSeconds(run.durationSecs)],
    ["turns", run.numTurns === undefined ? undefined : String(run.numTurns)],
    [
      "tokens",
      run.usage &&
        `${run.usage.inputTokens} in, ${run.usage.outputTokens} out, ` +
          `${run.usage.cacheReadTokens} cache read, ${run.usage.cacheWriteTokens} cache write`,
    ],
    ["cost", formatCost(run.costUsd) || undefined],
    ["files", String(run.filesCount)],
    ["error", run.error && palette.red(`[${run.error.code}] ${run.error.message}`)],
    [
      "metadata",
      run.metadata &&
        Object.entries(run.metadata)
          .map(([k, v]) => `${k}=${v}`)
          .join(", "),
    ],
  ];
  const head = `${palette.bold(run.id)}  ${paintStatus(run.status, palette)(run.status)}`;
  const lines = rows
    .filter((row): row is [string, string] => row[1] !== undefined && row[1] !== "")
    .map(([key, value]) => `  ${palette.dim(key.padEnd(9))}${value}`);
  return [head, ...lines].join("\n");
}

/** The closing line of `runs tail`, from the record: the authority on how the run ended. */
export function summaryFromRecord(run: RunRecord): RunSummary {
  return {
    status: run.status === "queued" ? "running" : run.status,
    errorCode: run.error?.code,
    numTurns: run.numTurns,
    usage: run.usage,
    costUsd: run.costUsd,
    durationSecs: run.durationSecs,
    files: run.filesCount,
  };
}
