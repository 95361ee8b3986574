// Counts a run in the metrics: started now, finished with its status, duration, tokens and cost.
import type { RunHandle } from "@sandcaster/core";
import type { Metrics } from "../metrics/index.js";

export function observeRun(metrics: Metrics, run: RunHandle): void {
  const labels = { provider: run.model?.provider, sandbox: run.sandboxProvider };
  metrics.runStarted(labels);
  void run.done.then(
    (outcome) =>
      metrics.runFinished({
        ...labels,
        status: outcome.status,
        durationSecs: outcome.durationSecs,
        usage: outcome.usage,
        costUsd: outcome.costUsd,
      }),
    () => undefined,
  );
}
