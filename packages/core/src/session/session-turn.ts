// One turn of a session, once claimed: the history the run gets (trimmed, with a warning when
// turns are left out), the transcript kept from its events, and its end (append the turn, release).
import { isDeltaEvent, type SandcasterEvent, type SessionWorkspace } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { SandboxProvider } from "../sandbox/sandbox.js";
import type { RunStore } from "../store/run-store.js";
import type { StoredSession } from "../store/session-store.js";
import type { RunSession } from "./run-session.js";
import { turnFromEvents } from "./transcript.js";
import { trimHistory } from "./trim-history.js";

/**
 * Turns kept in the store (the byte budget of trimHistory bounds them too); each turn gives the
 * model the newest maxHistoryTurns of them, and a warning when older ones are left out.
 */
const STORED_TURNS = 1000;

/** What a turn's transcript is made of (everything else is not kept in memory). */
const TRANSCRIPT_EVENTS: ReadonlySet<string> = new Set(["assistant", "tool_use", "tool_result"]);

/** A turn in progress: what the run needs, and how to end it. */
export interface SessionTurn {
  session: StoredSession;
  provider: SandboxProvider;
  /**
   * What a run takes (startRun begins the turn): the workspace, the history trimmed to
   * maxHistoryTurns, warnings for the stream; its beforeEnd finishes the turn with the events
   * given to record().
   */
  runSession: RunSession;
  /** Keeps an event of the run for the turn's transcript (deltas and live output are skipped). */
  record(event: SandcasterEvent): void;
  /**
   * Appends the run's turn to the history and releases the session; once (later calls wait for
   * the first). Never throws.
   */
  finish(events: readonly SandcasterEvent[]): Promise<void>;
  /** Releases the session without a turn (the run never started). Never throws. */
  abandon(): Promise<void>;
}

export interface OpenTurnInput {
  store: RunStore;
  logger: Logger;
  /** Claimed by `runId` already. */
  session: StoredSession;
  provider: SandboxProvider;
  workspace: SessionWorkspace;
  runId: string;
  prompt: string;
}

/** The turn of a session that `runId` has claimed. */
export function openTurn(input: OpenTurnInput): SessionTurn {
  const { store, logger, session, workspace, runId, prompt } = input;
  const id = session.id;
  const trimmed = trimHistory(session.history, session.maxHistoryTurns);
  const warnings =
    trimmed.dropped > 0
      ? [
          {
            code: "HISTORY_TRIMMED",
            content: `the ${trimmed.dropped} oldest turn(s) of this session were left out of the conversation (maxHistoryTurns ${session.maxHistoryTurns})`,
          },
        ]
      : [];
  const finishTurn = async (events: readonly SandcasterEvent[]) => {
    try {
      const turn = turnFromEvents(prompt, events);
      // A run that never reached the model adds nothing the next turn could build on.
      const history =
        turn.steps.length > 0
          ? trimHistory([...session.history, turn], STORED_TURNS).turns
          : undefined;
      await store.sessions.release(
        id,
        runId,
        { history, turnDone: turn.steps.length > 0 },
        new Date(),
      );
    } catch (error) {
      logger.error({ err: error, sessionId: id, runId }, "could not record the session turn");
      await store.sessions
        .release(id, runId, { turnDone: false }, new Date())
        .catch(() => undefined);
    }
  };
  const kept: SandcasterEvent[] = [];
  let ended: Promise<void> | undefined;
  const turn: SessionTurn = {
    session,
    provider: input.provider,
    runSession: {
      id,
      workspace,
      history: trimmed.turns,
      warnings,
      beforeEnd: () => turn.finish(kept),
    },
    record(event) {
      if (TRANSCRIPT_EVENTS.has(event.type) && !isDeltaEvent(event)) kept.push(event);
    },
    finish(events) {
      ended ??= finishTurn(events);
      return ended;
    },
    async abandon() {
      await store.sessions
        .release(id, runId, { turnDone: false }, new Date())
        .catch((error: unknown) => logger.warn({ err: error, sessionId: id }, "release failed"));
    },
  };
  return turn;
}
