// A pipeline executed in this process (no server): core's startPipeline behind the CLI's
// RunHandle, as in-process-run does for a query; cancel resolves once the sandbox is destroyed.
import { PlanError, SessionError, startPipeline } from "@sandcaster/core";
import type { PipelineRequest } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { buildServices } from "../build-services.js";
import { UsageError } from "../exit-codes.js";
import { localSessions } from "../local/local-sessions.js";
import type { RunHandle } from "../run-types.js";

export interface InProcessPipelineOptions {
  configPath: string | undefined;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

function refusal(error: unknown): unknown {
  if (PlanError.isInstance(error)) {
    const message = `${error.field}: ${error.message}`;
    return error.status === 400 ? new UsageError(message, "run") : new Error(message);
  }
  return SessionError.isInstance(error) ? new Error(`session: ${error.message}`) : error;
}

export async function startInProcessPipeline(
  request: PipelineRequest,
  { configPath, env, logger }: InProcessPipelineOptions,
): Promise<RunHandle> {
  const built = await buildServices({ configPath, logger, env, keepRunsAlive: true });
  const { providers, activeRuns } = built;
  // Sessions may also be named in the document's front matter: always offered.
  const sessions = localSessions(built, env, logger);
  const services = { ...built.services, providers, activeRuns, env, sessions };
  const run = await startPipeline(request, services).catch(async (error: unknown) => {
    await built.close();
    throw refusal(error);
  });
  const ended = run.done.then(
    () => undefined,
    () => undefined,
  );
  return {
    events: (async function* () {
      for await (const { event } of run.events) yield event;
      await run.done;
    })(),
    runId: () => run.runId,
    async cancel() {
      run.cancel("cancelled with Ctrl-C");
      await ended;
    },
    async close() {
      run.cancel("the command stopped");
      await ended;
      await built.close();
    },
  };
}
