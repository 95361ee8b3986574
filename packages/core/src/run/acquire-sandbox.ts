// Phase 2: a sandbox for the run (fresh, pooled, or on a session's workspace), announced when ready.
import { ERROR_CODES } from "@sandcaster/protocol";
import type { Sandbox } from "../sandbox/sandbox.js";
import { unsafeNetworkNotice } from "../sandbox/sandbox-limits.js";
import { wasPooled } from "../sandbox/warm-pool.js";
import { RunError } from "./run-error.js";
import type { RunScope } from "./run-scope.js";

const seconds = (ms: number) => Math.round(ms) / 1000;

export async function acquireSandbox(scope: RunScope): Promise<Sandbox> {
  const { plan, provider, session, log } = scope;
  // Checked here, not at planning: the client still gets init and an `error` event it can read.
  // A run with its own exec (a pipeline) calls no model.
  if (!plan.model.ok && !scope.exec) {
    throw new RunError(
      ERROR_CODES.NO_MODEL_CREDENTIALS,
      plan.model.reason,
      "set ANTHROPIC_API_KEY, OPENAI_API_KEY, GOOGLE_API_KEY or OPENROUTER_API_KEY on the server, or pass apiKeys",
    );
  }
  const started = performance.now();
  const sandbox = await scope.tracer.phase("sandbox.acquire", async (set) => {
    const created = await provider.create({
      runId: scope.runId,
      env: {},
      limits: scope.limits,
      // Remote sandboxes (e2b) enforce the egress policy with their own firewall.
      network: { policy: plan.network, gatewayUrl: scope.services.config.gateway?.publicUrl },
      signal: scope.signal,
      ...(session ? { workspace: session.workspace } : {}),
    });
    set({
      "sandcaster.sandbox.provider": provider.name,
      "sandcaster.sandbox.start": wasPooled(created) ? "pooled" : "cold",
      "sandcaster.sandbox.id": created.id,
    });
    return created;
  });
  const acquireSecs = seconds(performance.now() - started);
  log.info({ sandboxId: sandbox.id, acquireSecs }, "sandbox ready");
  // A failed write only leaves the record without its sandbox id (logged; nothing waits for it).
  const recorded = scope.services.store
    .recordSandbox(scope.runId, sandbox.id)
    .catch((error: unknown) => log.error({ err: error }, "could not record the run's sandbox"));
  // Before anything runs in it when the provider's webhooks look the run up by this id (e2b): one
  // about this run is believed only for this sandbox. Otherwise it is written beside the run's start.
  // Asked of the sandbox, not the provider: wrappers (warm pools, templates) keep the sandbox as made.
  if (sandbox.webhooksFindRunBySandboxId) await recorded;
  scope.onSandboxReady?.(acquireSecs);
  scope.emit({
    type: "system",
    subtype: "sandbox_ready",
    content: `${provider.name} sandbox ready in ${acquireSecs}s`,
  });
  for (const notice of sandbox.notices)
    scope.emit({ type: "warning", code: "SANDBOX_NOTICE", content: notice });
  const unsafe = unsafeNetworkNotice(sandbox.provider, scope.limits.network);
  if (unsafe) scope.emit({ type: "warning", code: "SANDBOX_NOTICE", content: unsafe });
  return sandbox;
}
