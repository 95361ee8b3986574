// A run with `sessionId` continues a session: its turn is claimed before the run starts, or the
// request is refused (PlanError, or the SessionError saying why: 404, 409, 410, 421).
import type { QueryRequest } from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import type { SessionService, SessionTurn } from "../session/session-service.js";

export async function beginTurn(
  sessions: SessionService | undefined,
  request: QueryRequest,
  runId: string,
): Promise<SessionTurn | undefined> {
  if (request.sessionId === undefined) return undefined;
  if (!sessions) throw new PlanError("sessionId", "this server does not keep sessions");
  const turn = await sessions.beginTurn(request.sessionId, runId, request.prompt);
  if (request.sandboxProvider && request.sandboxProvider !== turn.provider.name) {
    await turn.abandon();
    throw new PlanError(
      "sandboxProvider",
      `the session runs on ${turn.provider.name}; leave sandboxProvider out or match it`,
    );
  }
  return turn;
}
