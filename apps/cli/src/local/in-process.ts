// Runs a core run (a query or a pipeline) in this process, as a server would, behind the CLI's
// RunHandle: refusals become the CLI's errors, cancel resolves once the sandbox is destroyed.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  type RunHandle as CoreRunHandle,
  PlanError,
  SessionError,
  type StartRunServices,
} from "@sandcaster/core";
import type { Logger } from "pino";
import { buildServices, type Services } from "../build-services.js";
import { UsageError } from "../exit-codes.js";
import type { RunHandle } from "../run-types.js";

export interface InProcessOptions {
  configPath: string | undefined;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** A refusal as the CLI reports it: a bad field is a usage error of `command` (exit 2). */
function refusal(error: unknown, command: string): unknown {
  if (PlanError.isInstance(error)) {
    const message = `${error.field}: ${error.message}`;
    return error.status === 400 ? new UsageError(message, command) : new Error(message);
  }
  return SessionError.isInstance(error) ? new Error(`session: ${error.message}`) : error;
}

/**
 * Builds this machine's services from the config, lets `start` begin the run on them (adding what
 * its kind needs), and hands the run back as the CLI's RunHandle; close() releases the services.
 */
export async function startInProcess(
  command: string,
  { configPath, env, logger }: InProcessOptions,
  start: (services: StartRunServices, built: Services) => Promise<CoreRunHandle>,
): Promise<RunHandle> {
  const built = await buildServices({ configPath, logger, env, keepRunsAlive: true });
  const { providers, activeRuns } = built;
  const services: StartRunServices = { ...built.services, providers, activeRuns, env };
  const run = await start(services, built).catch(async (error: unknown) => {
    await built.close();
    throw refusal(error, command);
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
    abandon: () => sweepAfterExit(configPath, env),
  };
}

const SWEEPER = fileURLToPath(new URL("./sweep-after-exit.js", import.meta.url));

/**
 * Starts the cleaner (sweep-after-exit.ts) detached from this process: its sandbox's processes die
 * with us, and the cleaner then removes what they left.
 */
function sweepAfterExit(configPath: string | undefined, env: NodeJS.ProcessEnv): void {
  const args = [SWEEPER, String(process.pid), ...(configPath ? [configPath] : [])];
  spawn(process.execPath, args, { detached: true, stdio: "ignore", env }).unref();
}
