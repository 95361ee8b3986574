// What commands see of a run, whatever carries it (a server over HTTP, or this process).
import type { RunPage, RunRecord, RunStatus, SandcasterEvent } from "@sandcaster/protocol";

/** An event with its per-run sequence number (the SSE id), when the transport knows it. */
export interface SeqEvent {
  seq: number | undefined;
  event: SandcasterEvent;
}

export type { RunPage } from "@sandcaster/protocol";

/** One run being executed: its events until it ends, and a way to stop it. */
export interface RunHandle {
  /** Ends when the run has ended (its sandbox destroyed) or the transport broke. */
  events: AsyncIterable<SandcasterEvent>;
  /** Known once the run started. */
  runId(): string | undefined;
  /** Asks the run to stop; the events then end with an `error` CANCELLED. */
  cancel(): Promise<void>;
  /** Releases what the transport holds (connections, the local store). */
  close(): Promise<void>;
  /**
   * Right before this process quits without waiting (a second Ctrl-C): hands what it cannot
   * release in time (an in-process run's sandbox) to a cleaner that outlives it.
   */
  abandon?(): void;
}

/** Recorded runs, from a server (--url) or the local store. */
export interface RunHistory {
  /** One page, newest first; `cursor` is a previous page's nextCursor. */
  list(query: {
    status?: RunStatus | undefined;
    limit: number;
    cursor?: string | undefined;
    /** Only runs whose id starts with this. */
    idPrefix?: string | undefined;
  }): Promise<RunPage>;
  get(id: string): Promise<RunRecord | undefined>;
  /** Events after `after` (0: from the start), then live ones until the run ends. */
  follow(id: string, options: { after: number; signal: AbortSignal }): AsyncIterable<SeqEvent>;
  close(): Promise<void>;
}
