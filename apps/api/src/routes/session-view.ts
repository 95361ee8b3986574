// A session as /sessions answers it: our record plus what upstream clients read (activity time,
// idle timeout in ms, the latest sandbox, totals over its turns, and on GET one its turns' runs).
import type { RunStore } from "@sandcaster/core";
import type { RunRecord, SessionDetail, SessionRecord, SessionView } from "@sandcaster/protocol";

/** A session keeps at most this many turns (core's STORED_TURNS); the totals count these. */
const MAX_TURNS = 1000;
const PAGE = 100;

/** The session's runs, newest first. */
async function runsOf(store: RunStore, sessionId: string): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({ limit: PAGE, sessionId, cursor });
    runs.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor !== undefined && runs.length < MAX_TURNS);
  return runs;
}

function viewOf(record: SessionRecord, newestFirst: readonly RunRecord[]): SessionView {
  let totalTurns = 0;
  let totalCostUsd = 0;
  for (const run of newestFirst) {
    totalTurns += run.numTurns ?? 0;
    totalCostUsd += run.costUsd ?? 0;
  }
  return {
    ...record,
    lastActivityAt: record.lastActiveAt,
    idleTimeoutMs: record.idleTimeoutSecs * 1000,
    sandboxId: newestFirst.find((run) => run.sandboxId !== undefined)?.sandboxId ?? null,
    runsCount: newestFirst.length,
    totalTurns,
    totalCostUsd,
  };
}

export async function sessionView(store: RunStore, record: SessionRecord): Promise<SessionView> {
  return viewOf(record, await runsOf(store, record.id));
}

/** The view, with the turns' run records oldest first (as upstream's `runs[]`). */
export async function sessionDetail(
  store: RunStore,
  record: SessionRecord,
): Promise<SessionDetail> {
  const runs = await runsOf(store, record.id);
  return { ...viewOf(record, runs), runs: [...runs].reverse() };
}
