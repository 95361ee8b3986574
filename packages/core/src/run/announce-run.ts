// The run's first events and its row in the store, before any sandbox exists (clients see at once
// which model and sandbox they got).
import { promptPreview } from "@sandcaster/protocol";
import type { RunScope } from "./run-scope.js";

export async function announceRun(scope: RunScope): Promise<void> {
  const { runId, plan, provider, session, log } = scope;
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
  await scope.services.store
    .createRun({
      id: runId,
      prompt: promptPreview(plan.request.prompt),
      model: model?.model,
      provider: model?.provider,
      sandboxProvider: provider.name,
      startedAt: scope.startedAt,
      metadata: plan.request.metadata,
      sessionId: session?.id,
      ...(scope.exec ? { kind: scope.exec.kind } : {}),
    })
    .catch((error: unknown) => log.error({ err: error }, "could not record the run start"));
}
