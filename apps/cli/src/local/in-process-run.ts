// A query run in this process (no server): core's startRun with a server's model gateway.
import { gatewayExtension, startRun } from "@sandcaster/core";
import type { QueryRequest } from "@sandcaster/protocol";
import type { RunHandle } from "../run-types.js";
import { type InProcessOptions, startInProcess } from "./in-process.js";
import { localSessions } from "./local-sessions.js";

export function startInProcessRun(
  request: QueryRequest,
  options: InProcessOptions,
): Promise<RunHandle> {
  return startInProcess("query", options, (services, built) =>
    startRun(request, {
      ...services,
      sessions: request.sessionId ? localSessions(built, options.env, options.logger) : undefined,
      // The same model gateway and egress proxy as a server's runs (no /gateway route: no e2b
      // here unless gateway.publicUrl points at a server that serves it).
      extensions: [gatewayExtension({ config: built.services.config })],
    }),
  );
}
