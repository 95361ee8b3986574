// A pipeline executed in this process (no server): core's startPipeline, as a server runs it.
import { startPipeline } from "@sandcaster/core";
import type { PipelineRequest } from "@sandcaster/protocol";
import { type InProcessOptions, startInProcess } from "../local/in-process.js";
import { localSessions } from "../local/local-sessions.js";
import type { RunHandle } from "../run-types.js";

export function startInProcessPipeline(
  request: PipelineRequest,
  options: InProcessOptions,
): Promise<RunHandle> {
  return startInProcess("run", options, (services, built) =>
    // Sessions may also be named in the document's front matter: always offered.
    startPipeline(request, {
      ...services,
      sessions: localSessions(built, options.env, options.logger),
    }),
  );
}
