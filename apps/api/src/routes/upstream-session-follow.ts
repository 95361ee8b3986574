// GET /sessions/:id/events: the session's turns as they run — the live one from its start, then
// each later one — until the session expires or is deleted (then `session_expired`, and the
// stream ends). Frames carry no `id:`: they span several runs (a run's own numbered, resumable
// stream is GET /runs/:id/events).
import { setTimeout as sleep } from "node:timers/promises";
import { followRunEvents, type RunStore } from "@sandcaster/core";
import type { RunRecord, SandcasterEvent, SessionEvent } from "@sandcaster/protocol";

/** How often an idle session is looked at for a new turn or its end (any instance may run one). */
const POLL_MS = 500;
/** Turns that may start between two looks and still each be streamed. */
const NEWEST = 20;

function frame(event: SandcasterEvent | SessionEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

async function newestTurns(store: RunStore, sessionId: string): Promise<RunRecord[]> {
  return (await store.listRuns({ limit: NEWEST, sessionId })).runs;
}

/** Turns newer than `seen`, oldest first. */
function after(newestFirst: readonly RunRecord[], seen: string | undefined): RunRecord[] {
  const at = newestFirst.findIndex((run) => run.id === seen);
  return newestFirst.slice(0, at === -1 ? newestFirst.length : at).reverse();
}

/**
 * Where an attach starts: turns that ended before it are history, one still going is the live
 * one. Taken before the answer's headers go out, so a turn begun after them is always streamed.
 */
export async function attachPoint(store: RunStore, sessionId: string): Promise<string | undefined> {
  const turns = await newestTurns(store, sessionId);
  const live = turns.findIndex((run) => run.status === "running" || run.status === "queued");
  return turns[live === -1 ? 0 : live + 1]?.id;
}

/**
 * SSE text to write, a chunk at a time: every turn after `seen` (see attachPoint); ends after
 * `session_expired` or when `signal` aborts.
 */
export async function* followSession(
  store: RunStore,
  sessionId: string,
  seenBefore: string | undefined,
  signal: AbortSignal,
  pollMs = POLL_MS,
): AsyncGenerator<string> {
  let seen = seenBefore;
  while (!signal.aborted) {
    const session = await store.sessions.get(sessionId);
    if (session?.status !== "active") {
      const why = session?.status === "expired" ? "expired after being idle" : "was deleted";
      yield frame({ type: "session_expired", sessionId, content: `Session ${sessionId} ${why}` });
      return;
    }
    const fresh = after(await newestTurns(store, sessionId), seen);
    for (const run of fresh) {
      seen = run.id;
      for await (const page of followRunEvents(store, run.id, 0, signal)) {
        if (page.length > 0) yield page.map(({ event }) => frame(event)).join("");
      }
    }
    if (fresh.length > 0) continue;
    if (!session.activeRunId && Date.parse(session.expiresAt) <= Date.now()) {
      const content = `Session ${sessionId} expired after being idle`;
      yield frame({ type: "session_expired", sessionId, content });
      return;
    }
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
}
