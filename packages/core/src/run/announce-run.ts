// The run's first events, before any sandbox exists (clients see at once which model and sandbox
// they got). Its record is already stored (startRun: record-start.ts), so whoever reads these
// events can also find the run.
import type { RunScope } from "./run-scope.js";

export async function announceRun(scope: RunScope): Promise<void> {
  const { runId, plan, provider, session } = scope;
  const model = plan.model.ok ? plan.model : undefined;
  scope.emit({
    type: "system",
    subtype: "init",
    content: "run started",
    runId,
    ...(model ? { model: model.model, provider: model.provider } : {}),
    sandboxProvider: provider.name,
  });
  for (const warning of session?.warnings ?? []) scope.emit({ type: "warning", ...warning });
}
