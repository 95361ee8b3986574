// Records how a run ended and picks the end its client is shown: only one the store holds, so that
// no later sweep (after this process dies) can record another.
import type { Logger } from "pino";
import {
  RunAlreadyEndedError,
  type RunOutcome,
  type RunStore,
  type StoredEvent,
} from "../store/run-store.js";

const isEnd = ({ event }: StoredEvent) => event.type === "result" || event.type === "error";

/** Ends appended from outside come after every id the run reserved: this many is plenty. */
const LOOK_AHEAD = 100;

/**
 * Stores `outcome` with `end` (one transaction). Returns the event to stream as the run's end:
 * `end` once stored; the end another instance stored when it had declared the run lost meanwhile
 * (the client is shown what the record says); undefined when the store cannot say yet. The stream
 * then closes without an end, and the client resumes (Last-Event-ID) and reads it once stored.
 */
export async function recordEnd(
  store: RunStore,
  runId: string,
  outcome: RunOutcome,
  end: StoredEvent | undefined,
  log: Logger,
): Promise<StoredEvent | undefined> {
  try {
    await store.finishRun(runId, outcome, end);
    return end;
  } catch (error) {
    if (!RunAlreadyEndedError.isInstance(error)) {
      log.error({ err: error }, "could not record the run outcome; its end is not streamed");
      return undefined;
    }
    log.warn({ err: error.message }, "the run was ended elsewhere; its client is shown that end");
    if (end === undefined) return undefined;
    const after = await store.readEvents(runId, end.seq, LOOK_AHEAD).catch(() => []);
    return after.findLast(isEnd);
  }
}
