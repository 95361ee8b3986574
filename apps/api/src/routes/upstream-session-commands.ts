// Slash commands sent as an upstream session message: /status, /files (the workspace's first 200
// files) and /clear act on the session; /compact is answered with an `error` event saying what
// this server does instead.
import { randomUUID } from "node:crypto";
import { type RunStore, SessionError, type SessionService, workspaceFiles } from "@sandcaster/core";
import type { SessionCommand } from "@sandcaster/protocol";
import { asHttpError } from "./session-errors.js";
import { sessionView } from "./session-view.js";

/** As many as upstream's /files lists. */
const FILES_LISTED = 200;

type CommandAnswer =
  | { type: "session_command_result"; command: SessionCommand; content: string; data?: unknown }
  | { type: "error"; code: string; content: string };

/** Answers `command` for session `id`; a missing, expired or busy session is thrown (4xx). */
export async function runSessionCommand(
  command: SessionCommand,
  id: string,
  sessions: SessionService,
  store: RunStore,
): Promise<CommandAnswer> {
  const session = await sessions.get(id).catch(asHttpError);
  if (session.status === "expired") {
    asHttpError(new SessionError("SESSION_EXPIRED", `session ${id} expired after being idle`));
  }
  switch (command) {
    case "status": {
      const view = await sessionView(store, session);
      return {
        type: "session_command_result",
        command,
        content: `Session ${id} | Status: ${view.status} | Turns: ${view.totalTurns} | Cost: $${view.totalCostUsd.toFixed(4)}`,
        data: view,
      };
    }
    case "clear": {
      await clearHistory(store, id);
      return { type: "session_command_result", command, content: "Conversation history cleared" };
    }
    case "files": {
      const archive = await sessions
        .exportWorkspace(id, AbortSignal.timeout(120_000))
        .catch(asHttpError);
      const { files, truncated } = await workspaceFiles(archive, FILES_LISTED);
      const count = truncated ? `${files.length}+ files (truncated)` : `${files.length} files`;
      return {
        type: "session_command_result",
        command,
        content: `${count}:\n${files.join("\n")}`,
        data: { files, truncated },
      };
    }
    case "compact":
      return {
        type: "error",
        code: "UNSUPPORTED",
        content:
          "/compact is not served here: the oldest turns beyond the session's maxHistoryTurns are dropped whole, with a HISTORY_TRIMMED warning",
      };
  }
}

/** Holds the session as a turn would (so none runs meanwhile) and empties its history. */
async function clearHistory(store: RunStore, id: string): Promise<void> {
  const holder = `op_${randomUUID()}`;
  const claim = await store.sessions.claim(id, holder, new Date());
  if (claim === "busy") {
    asHttpError(new SessionError("SESSION_BUSY", `session ${id} is running a turn`));
  }
  if (claim !== "claimed") {
    asHttpError(new SessionError("SESSION_EXPIRED", `session ${id} expired`));
  }
  await store.sessions.release(id, holder, { history: [], turnDone: false }, new Date());
}
