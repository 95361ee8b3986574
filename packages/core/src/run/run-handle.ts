// What startRun returns: the run's id, its events as they happen, a promise of how it ended, and
// a way to stop it. Modelled on the AI SDK's streamText result and openai-node's Stream.
import type { SandboxProviderName, SandcasterEvent } from "@sandcaster/protocol";
import type { SandcasterError } from "../errors/sandcaster-error.js";
import type { RunOutcome } from "../store/run-store.js";

export interface RunEvent {
  event: SandcasterEvent;
  /** The event's number in its run (the SSE id; the same on replay). */
  seq: number;
  /** The event as JSON, serialised once (an SSE frame's data). */
  json: string;
}

export interface RunHandle {
  readonly runId: string;
  /** Which model and sandbox the run got (also in its `system/init` event). */
  readonly model: { provider: string; model: string } | undefined;
  readonly sandboxProvider: SandboxProviderName;
  /**
   * The run's events in order, read once. Breaking out of the loop stops buffering for this
   * reader but does not stop the run (cancel() does); the iteration ends after the last event,
   * which may be before the sandbox is removed (`done` says when that is over).
   */
  readonly events: RunEvents;
  /**
   * Resolves once the sandbox is destroyed, the last event sent and the run recorded (store
   * failures are logged, not thrown; it rejects only when the server itself is broken).
   */
  readonly done: Promise<RunOutcome>;
  /**
   * Stops the run: a SandcasterError ends it with that code, text (or nothing) with CANCELLED.
   * Idempotent; await `done` to know the sandbox is gone.
   */
  cancel(reason?: string | SandcasterError): void;
}

export interface RunEvents extends AsyncIterable<RunEvent> {
  /** Everything buffered so far as one array (never empty), until the run ends: one write each. */
  batches(): AsyncIterable<RunEvent[]>;
}
