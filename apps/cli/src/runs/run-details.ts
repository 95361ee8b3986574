// `runs show`: one run, every recorded field a person may ask about, one per line.
import type { RunRecord } from "@sandcaster/protocol";
import { formatAge, formatCost, formatSeconds } from "../render/format.js";
import type { RunSummary } from "../render/run-tally.js";
import type { Palette } from "../terminal/colours.js";
import { safeLine } from "../terminal/safe-text.js";
import { paintStatus } from "./status-style.js";

/** Every recorded string came from a client, the server or a model: shown on one line, inert. */
export function runDetails(record: RunRecord, palette: Palette, now = Date.now()): string {
  const run = cleanRecord(record);
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
    ["error", run.error && palette.red(`[${run.errorCode}] ${run.error}`)],
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

function cleanRecord(run: RunRecord): RunRecord {
  return JSON.parse(JSON.stringify(run), (_key, value: unknown) =>
    typeof value === "string" ? safeLine(value) : value,
  ) as RunRecord;
}

/** The closing line of `runs tail`, from the record: the authority on how the run ended. */
export function summaryFromRecord(run: RunRecord): RunSummary {
  return {
    status: run.status === "queued" ? "running" : run.status,
    errorCode: run.errorCode === undefined ? undefined : safeLine(run.errorCode),
    numTurns: run.numTurns,
    usage: run.usage,
    costUsd: run.costUsd,
    durationSecs: run.durationSecs,
    files: run.filesCount,
  };
}
