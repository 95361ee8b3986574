// The run's first events and its row in the store, before any sandbox exists (clients see at once
// which model and sandbox they got).
import { redactedRunFields } from "./redact.js";
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
  // The record is served by /runs to anyone with the API key: a secret pasted into the prompt or
  // the metadata must not outlive the run there.
  const { prompt, metadata } = redactedRunFields(
    plan.request.prompt,
    plan.request.metadata,
    scope.redact,
  );
  await scope.services.store
    .createRun({
      id: runId,
      prompt,
      model: model?.model,
      provider: model?.provider,
      sandboxProvider: provider.name,
      startedAt: scope.startedAt,
      metadata,
      sessionId: session?.id,
      traceId: scope.tracer.traceId,
      ...(scope.exec?.kind === "pipeline" ? { kind: scope.exec.kind } : {}),
    })
    .catch((error: unknown) => log.error({ err: error }, "could not record the run start"));
}
