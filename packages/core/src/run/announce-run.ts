// The run's first events and its row in the store, before any sandbox exists (clients see at once
// which model and sandbox they got).
import { ERROR_CODES } from "@sandcaster/protocol";
import { isStoreUnavailable } from "../store/store-unavailable-error.js";
import { redactedRunFields } from "./redact.js";
import { RunError } from "./run-error.js";
import type { RunScope } from "./run-scope.js";

export async function announceRun(scope: RunScope): Promise<void> {
  const { runId, plan, provider, session, log } = scope;
  const model = plan.model.ok ? plan.model : undefined;
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
      ...(scope.exec ? { kind: scope.exec.kind } : {}),
    })
    .catch((error: unknown) => {
      log.error({ err: error }, "could not record the run start");
      // A run that may never be found (404) goes no further: it ends at once with the store's error.
      if (isStoreUnavailable(error)) {
        scope.fail(
          new RunError(
            ERROR_CODES.STORE_UNAVAILABLE,
            "the run could not be recorded: the store is unavailable",
            "retry the run once the server's database is reachable again",
          ),
        );
      }
    });
  // Announced once recorded (else the run is ending already): the run a client saw start is found.
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
