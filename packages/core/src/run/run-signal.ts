// The one signal that stops a run: its timeout, a cancel request from any instance, the caller's
// cancel, or an extension's `fail`; the first reason given is the one the run ends with.
import { ERROR_CODES } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { SandcasterError } from "../errors/sandcaster-error.js";
import type { CancelWatch } from "./cancel-watch.js";
import { RunError } from "./run-error.js";

export interface RunSignal {
  signal: AbortSignal;
  fail(error: SandcasterError): void;
  /**
   * Stops the timer and the watches. The signal is the caller's stop, so a cancel after this still
   * aborts it: what ran in the phases has ended by then, and the outcome is already decided.
   */
  dispose(): void;
}

export function runSignal(options: {
  runId: string;
  /**
   * The caller's stop (RunHandle.cancel, shutdown), aborted only with SandcasterErrors: it is the
   * run's signal too, so that an open run holds one AbortSignal, not two (10,000 open runs).
   */
  external: AbortController;
  timeoutSecs: number;
  cancelWatch: CancelWatch;
  log: Logger;
}): RunSignal {
  const controller = options.external;
  const fail = (error: SandcasterError) => controller.abort(error);
  const timer = setTimeout(() => {
    const message = `the run exceeded its timeout of ${options.timeoutSecs}s`;
    fail(new RunError(ERROR_CODES.TIMEOUT, message, "raise the request's timeout (at most 3600)"));
  }, options.timeoutSecs * 1000);
  const stopWatching = options.cancelWatch.watch(options.runId, controller, options.log);
  return {
    signal: controller.signal,
    fail,
    dispose() {
      clearTimeout(timer);
      stopWatching();
    },
  };
}
