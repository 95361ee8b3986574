// sweepOrphans(): kills managed E2B sandboxes whose run is no longer active.
//
// E2B sandboxes end themselves at their timeout (the run's timeout plus a margin), so a crashed
// server leaks them for that long at most; the sweep ends them sooner. Every sandbox this
// provider makes carries `sandcasterManaged=true` and `sandcasterRunId=<run>` metadata, except
// session workspaces, which carry `sandcasterSessionId=<session>` instead: they outlive runs (paused
// between turns, and pausing rather than dying at their timeout), so this sweep never touches
// them; only deleteWorkspace() or the server's own session sweep ends them.
import type { ConnectionOpts } from "e2b";
import { META_MANAGED, META_RUN_ID, META_SESSION_ID } from "./constants.js";
import { isSandboxGone } from "./errors.js";
import { e2bSdk } from "./sdk.js";

export interface SweepOptions {
  connection: ConnectionOpts;
  /** Whether the run a sandbox belongs to is still going (its sandbox must be kept). */
  isActive(runId: string): Promise<boolean>;
  signal?: AbortSignal | undefined;
}

/** Kills every orphan; returns how many were killed (sandboxes already gone are not counted). */
export async function sweepOrphans(options: SweepOptions): Promise<number> {
  const { connection, signal } = options;
  const { Sandbox } = await e2bSdk();
  const paginator = Sandbox.list({
    ...connection,
    query: { metadata: { [META_MANAGED]: "true" } },
    limit: 100,
  });
  const orphans = new Set<string>();
  while (paginator.hasNext) {
    signal?.throwIfAborted();
    for (const info of await paginator.nextItems({ signal })) {
      if (info.metadata[META_MANAGED] !== "true") continue;
      if (info.metadata[META_SESSION_ID]) continue;
      const runId = info.metadata[META_RUN_ID];
      if (runId && (await options.isActive(runId))) continue;
      orphans.add(info.sandboxId);
    }
  }
  let killed = 0;
  for (const sandboxId of orphans) {
    signal?.throwIfAborted();
    try {
      if (await Sandbox.kill(sandboxId, { ...connection, signal })) killed++;
    } catch (error) {
      if (!isSandboxGone(error)) throw error;
    }
  }
  return killed;
}
