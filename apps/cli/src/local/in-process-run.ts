// A run executed in this process (no server): core's startRun, as a server runs it, behind the
// CLI's RunHandle; cancel stops it and resolves once its sandbox is destroyed.
import { PlanError, SessionError, startRun } from "@sandcaster/core";
import type { QueryRequest } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { buildServices } from "../build-services.js";
import { UsageError } from "../exit-codes.js";
import type { RunHandle } from "../run-types.js";
import { localSessions } from "./local-sessions.js";

export interface InProcessOptions {
  configPath: string | undefined;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** A refusal as the CLI reports it: a bad field is a usage error (exit 2). */
function refusal(error: unknown): unknown {
  if (PlanError.isInstance(error)) {
    const message = `${error.field}: ${error.message}`;
    return error.status === 400 ? new UsageError(message, "query") : new Error(message);
  }
  return SessionError.isInstance(error) ? new Error(`session: ${error.message}`) : error;
}

export async function startInProcessRun(
  request: QueryRequest,
  { configPath, env, logger }: InProcessOptions,
): Promise<RunHandle> {
  const built = await buildServices({ configPath, logger, env, keepRunsAlive: true });
  const { providers, activeRuns } = built;
  const sessions = request.sessionId ? localSessions(built, env, logger) : undefined;
  const services = { ...built.services, providers, activeRuns, env, sessions };
  const run = await startRun(request, services).catch(async (error: unknown) => {
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
      await run.done; // a run that broke ends the iteration with its error
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
