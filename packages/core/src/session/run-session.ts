// What a run needs of a session turn: its workspace, the conversation so far, warnings for the stream.
import type { HistoryTurn, SessionWorkspace } from "@sandcaster/protocol";

export interface RunSession {
  id: string;
  workspace: SessionWorkspace;
  history: HistoryTurn[];
  warnings: { code: string; content: string }[];
  /** Runs once the sandbox is gone, before the final event: records the turn, frees the session. */
  beforeEnd?: (() => Promise<void>) | undefined;
}
