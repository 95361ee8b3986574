// A run executed in this process (no server): the same executeRun a server uses, its events as a
// RunHandle; cancel aborts it and resolves once its sandbox is destroyed.
import { randomUUID } from "node:crypto";
import {
  executeRun,
  keepRunsAlive,
  PlanError,
  planRun,
  RunError,
  SessionError,
  type SessionTurn,
} from "@sandcaster/core";
import type { QueryRequest, SandcasterEvent } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { buildServices } from "../build-services.js";
import { EventChannel } from "../event-channel.js";
import { UsageError } from "../exit-codes.js";
import type { RunHandle } from "../run-types.js";
import { localSessions } from "./local-sessions.js";

export interface InProcessOptions {
  configPath: string | undefined;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

export async function startInProcessRun(
  request: QueryRequest,
  options: InProcessOptions,
): Promise<RunHandle> {
  const { logger, env } = options;
  const built = await buildServices({ configPath: options.configPath, logger, env });
  // Stamped alive like a server's runs, so a server sharing the store never reaps it.
  const stopKeepingAlive = keepRunsAlive({
    store: built.services.store,
    activeRuns: built.activeRuns,
    heartbeatMs: built.config.runs.heartbeatSecs * 1000,
    staleAfterMs: built.config.runs.staleAfterSecs * 1000,
    logger,
  });
  const release = async () => {
    stopKeepingAlive();
    await built.close();
  };
  let plan: ReturnType<typeof planRun>;
  let provider: Awaited<ReturnType<typeof built.providers.select>>;
  try {
    plan = planRun(request, built.config, env);
    provider = await built.providers.select(request.sandboxProvider, {
      e2bApiKey: request.apiKeys?.e2b,
    });
  } catch (error) {
    await release();
    if (error instanceof PlanError) {
      const message = `${error.field}: ${error.message}`;
      throw error.status === 400 ? new UsageError(message, "query") : new Error(message);
    }
    throw error;
  }

  const runId = `run_${randomUUID()}`;
  let turn: SessionTurn | undefined;
  if (request.sessionId) {
    try {
      turn = await localSessions(built, env, logger).beginTurn(
        request.sessionId,
        runId,
        request.prompt,
      );
    } catch (error) {
      await release();
      if (SessionError.isInstance(error)) throw new Error(`session: ${error.message}`);
      throw error;
    }
    provider = turn.provider;
  }
  const channel = new EventChannel<SandcasterEvent>();
  const controller = new AbortController();
  const done = executeRun(
    {
      runId,
      plan,
      provider,
      providers: built.providers,
      session: turn?.runSession,
      emit: (event) => {
        turn?.record(event);
        channel.push(event);
      },
      signal: controller.signal,
    },
    built.services,
  );
  built.activeRuns.track(runId, controller, done);
  const settled = done
    .finally(() => turn?.finish([]))
    .then(
      () => channel.close(),
      (error: unknown) => channel.close(error),
    );

  return {
    events: channel,
    runId: () => runId,
    async cancel() {
      controller.abort(new RunError("CANCELLED", "cancelled with Ctrl-C"));
      await settled;
    },
    async close() {
      if (!controller.signal.aborted)
        controller.abort(new RunError("CANCELLED", "the command stopped"));
      await settled;
      await release();
    },
  };
}
