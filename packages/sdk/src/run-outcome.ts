// How a run ended, as the stream saw it: the result event, an error event, or only the run record.
import type { ErrorEvent, ResultEvent, RunRecord } from "@sandcaster/protocol";
import { RunFailedError, SandcasterError } from "./errors.js";

/** A promise settled from outside, that never reports an unhandled rejection on its own. */
export class Outcome {
  readonly promise: Promise<ResultEvent>;
  private settled = false;
  private resolveFn: (result: ResultEvent) => void = () => {};
  private rejectFn: (error: unknown) => void = () => {};

  constructor() {
    this.promise = new Promise<ResultEvent>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // Nobody may ask for finalResult(); the rejection must not crash the process then.
    this.promise.catch(() => undefined);
  }

  get isSettled(): boolean {
    return this.settled;
  }

  resolve(result: ResultEvent): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn(result);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(error);
  }
}

export function failedFromEvent(event: ErrorEvent, runId: string | undefined): RunFailedError {
  return new RunFailedError(
    `run ${runId ?? "?"} failed: ${event.code ?? "ERROR"}: ${event.content}`,
    {
      runId,
      code: event.code,
      hint: event.hint,
      exitCode: event.exitCode,
    },
  );
}

/**
 * A run that is over although its stream carried no `result` or `error` (its server died: SERVER_LOST;
 * or the caller started after them): the record says how it ended.
 */
export function endedWithoutEvent(record: RunRecord): SandcasterError {
  if (record.status === "completed") {
    return new SandcasterError(
      `run ${record.id} completed, but its result event was not in this stream (it came before the first event read)`,
    );
  }
  const code = record.errorCode;
  const reason = record.error ?? `the run ended with status ${record.status}`;
  return new RunFailedError(`run ${record.id} failed: ${code ?? record.status}: ${reason}`, {
    runId: record.id,
    code,
    exitCode: record.exitCode,
  });
}

export const isOver = (record: RunRecord): boolean =>
  record.status !== "running" && record.status !== "queued";
