// The run's result with the gateway's counts in place of the runner's: the sandbox is untrusted,
// so what it says it spent is only compared, never recorded or billed.
import type { ResultEvent, Usage, WarningEvent } from "@sandcaster/protocol";

export interface Meter {
  usage(): Usage;
  costUsd(): number | undefined;
}

const sameUsage = (a: Usage | undefined, b: Usage) =>
  a !== undefined &&
  a.inputTokens === b.inputTokens &&
  a.outputTokens === b.outputTokens &&
  a.cacheReadTokens === b.cacheReadTokens &&
  a.cacheWriteTokens === b.cacheWriteTokens;

const describe = (u: Usage | undefined, cost: number | undefined) =>
  `${u ? `${u.inputTokens} in / ${u.outputTokens} out / ${u.cacheReadTokens} cache read / ${u.cacheWriteTokens} cache write` : "no usage"}, ${cost === undefined ? "no cost" : `$${cost}`}`;

/** `result` from the runner (possibly forged); returns the one to emit and record. */
export function meteredResult(
  result: ResultEvent,
  meter: Meter,
): { result: ResultEvent; warning?: WarningEvent } {
  const usage = meter.usage();
  const costUsd = meter.costUsd();
  const { usage: claimedUsage, costUsd: claimedCost, ...rest } = result;
  const metered: ResultEvent = { ...rest, usage, ...(costUsd === undefined ? {} : { costUsd }) };
  const agrees =
    sameUsage(claimedUsage, usage) &&
    (claimedCost === undefined || costUsd === undefined || Math.abs(claimedCost - costUsd) < 1e-9);
  if (agrees) return { result: metered };
  return {
    result: metered,
    warning: {
      type: "warning",
      code: "METERING_MISMATCH",
      content: `the runner reported ${describe(claimedUsage, claimedCost)}; the gateway counted ${describe(usage, costUsd)}, which is what the run records`,
    },
  };
}
