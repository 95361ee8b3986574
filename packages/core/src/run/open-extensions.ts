// Opens the run's extensions once its sandbox exists (see run-extension.ts); each opened one is
// added to `opened` at once, so teardown closes it even when a later one fails to open.
import type { Sandbox } from "../sandbox/sandbox.js";
import { lazyChild } from "./lazy-log.js";
import { redactDeep } from "./redact.js";
import type { OpenedRunExtension } from "./run-extension.js";
import type { RunScope } from "./run-scope.js";

export async function openExtensions(
  scope: RunScope,
  sandbox: Sandbox,
  opened: OpenedRunExtension[],
): Promise<void> {
  for (const extension of scope.extensions) {
    const log = lazyChild(scope.log, { extension: extension.name });
    const handle = await extension.open({
      runId: scope.runId,
      plan: scope.plan,
      sandbox,
      signal: scope.signal,
      log,
      fail: scope.fail,
      tracer: scope.tracer,
      emit: (event) => scope.emit(redactDeep(event, scope.redact)),
    });
    if (handle) opened.push(handle);
  }
}

/** Closes what was opened, newest first; a failure is logged and the others still close. */
export async function closeExtensions(
  opened: readonly OpenedRunExtension[],
  log: RunScope["log"],
): Promise<void> {
  for (const handle of [...opened].reverse()) {
    await handle.close?.().catch((error: unknown) => {
      log.error({ err: error }, "a run extension failed to close");
    });
  }
}
