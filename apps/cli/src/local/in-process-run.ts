// A query run in this process (no server): core's startRun with a server's model gateway.
import { gatewayExtension, startRun } from "@sandcaster/core";
import type { QueryRequest } from "@sandcaster/protocol";
import type { RunHandle } from "../run-types.js";
import { resolveSession } from "../sessions/resolve-session.js";
import { type InProcessOptions, startInProcess } from "./in-process.js";
import { localSessions } from "./local-sessions.js";

export function startInProcessRun(
  request: QueryRequest,
  options: InProcessOptions,
): Promise<RunHandle> {
  return startInProcess("query", options, async (services, built) => {
    const sessions = request.sessionId
      ? localSessions(built, options.env, options.logger)
      : undefined;
    // --session takes a session's name (or an id prefix) as `sessions show` does.
    const sessionId =
      sessions && request.sessionId
        ? (await resolveSession(sessions, request.sessionId)).id
        : undefined;
    return startRun(sessionId ? { ...request, sessionId } : request, {
      ...services,
      sessions,
      // The same model gateway and egress proxy as a server's runs (no /gateway route: no e2b
      // here unless gateway.publicUrl points at a server that serves it).
      extensions: [gatewayExtension({ config: built.services.config })],
    });
  });
}
