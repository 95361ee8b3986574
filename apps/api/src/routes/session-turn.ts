// A /query with `sessionId`: the session's turn is claimed before the run starts (404, 409, 410,
// 421 as JSON, before any stream).
import type { SessionService, SessionTurn } from "@sandcaster/core";
import type { QueryRequest } from "@sandcaster/protocol";
import { HttpError } from "../http-error.js";
import { asHttpError } from "./session-errors.js";

export async function beginSessionTurn(
  sessions: SessionService | undefined,
  request: QueryRequest,
  runId: string,
): Promise<SessionTurn> {
  if (!sessions) {
    throw new HttpError(400, "INVALID_REQUEST", "sessionId: this server does not keep sessions", {
      details: [{ field: "sessionId", message: "sessions are not enabled on this server" }],
    });
  }
  const turn = await sessions
    .beginTurn(request.sessionId ?? "", runId, request.prompt)
    .catch(asHttpError);
  if (request.sandboxProvider && request.sandboxProvider !== turn.provider.name) {
    await turn.abandon();
    const message = `the session runs on ${turn.provider.name}; leave sandboxProvider out or match it`;
    throw new HttpError(400, "INVALID_REQUEST", `sandboxProvider: ${message}`, {
      details: [{ field: "sandboxProvider", message }],
    });
  }
  return turn;
}
