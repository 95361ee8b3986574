// A run's events as an async iterable that reconnects after a drop and delivers each event once, in order.
import type { ResultEvent, RunRecord } from "@sandcaster/protocol";
import { linkedController, sleep } from "./abort.js";
import { backoffMs } from "./backoff.js";
import {
  APIConnectionError,
  APIUserAbortError,
  InternalServerError,
  RateLimitError,
  SandcasterError,
} from "./errors.js";
import { eventFromMessage, type RunEvent } from "./events.js";
import { endedWithoutEvent, failedFromEvent, isOver, Outcome } from "./run-outcome.js";
import { readSse } from "./sse.js";

/** Where a RunStream's connections come from (the client's HTTP calls). */
export interface RunSource {
  /** The first connection: POST /query, or GET /runs/:id/events. Its failures are not retried. */
  open(signal: AbortSignal): Promise<Response>;
  /** A re-attachment: GET /runs/:id/events with Last-Event-ID `after`. */
  resume(runId: string, after: number | undefined, signal: AbortSignal): Promise<Response>;
  /** The run's record, to tell a run that is over from a connection that dropped. */
  getRun(runId: string, signal: AbortSignal): Promise<RunRecord>;
  /**
   * Set for a /query run under the "cancel" policy: called when the caller leaves after the stream
   * was re-attached, because closing a GET /runs/:id/events connection cancels nothing.
   */
  cancel?: ((runId: string) => Promise<unknown>) | undefined;
}

export interface RunStreamSettings {
  /** Reconnects in a row without receiving an event before giving up. */
  maxRetries: number;
  /** Longest silence on a connection before it is taken for dead (the server sends heartbeats). */
  idleTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Known up front when re-attaching to a run. */
  runId?: string | undefined;
  /** Events up to this id are skipped (GET /runs/:id/events?after=). */
  after?: number | undefined;
}

function eventId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : undefined;
}

function asConnectionError(error: unknown): SandcasterError {
  if (SandcasterError.isInstance(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new APIConnectionError(`the connection broke: ${reason}`, { cause: error });
}

function retryAfterOf(error: SandcasterError): number | undefined {
  return RateLimitError.isInstance(error) || InternalServerError.isInstance(error)
    ? error.retryAfter
    : undefined;
}

/**
 * The events of one run. Read it once, with `for await` or `finalResult()` (or both: iterate and
 * then await `finalResult()`). Leaving the loop early, `abort()` or the caller's signal closes the
 * connection. A dropped connection is resumed from the last event id with backoff; events are
 * deduplicated by id. The iteration yields `error` events like any other; it throws only when the
 * events cannot be delivered (see the errors) or the run failed without an `error` event.
 */
export class RunStream implements AsyncIterable<RunEvent> {
  readonly #controller = new AbortController();
  readonly #outcome = new Outcome();
  readonly #source: RunSource;
  readonly #settings: RunStreamSettings;
  #runId: string | undefined;
  #lastEventId: number | undefined;
  #requestId: string | undefined;
  #started = false;
  #sawError: Extract<RunEvent, { type: "error" }> | undefined;
  #sawResult = false;
  /** Every event of the run was delivered, or its end is known: leaving now cancels nothing. */
  #over = false;

  constructor(source: RunSource, settings: RunStreamSettings) {
    this.#source = source;
    this.#settings = settings;
    this.#runId = settings.runId;
    this.#lastEventId = settings.after;
  }

  /** The run's id: from the `x-run-id` header once connected, and from `system/init`. */
  get runId(): string | undefined {
    return this.#runId;
  }

  /** The id (SSE `id:`) of the last event delivered: where a resume starts. */
  get lastEventId(): number | undefined {
    return this.#lastEventId;
  }

  /** `x-request-id` of the current (or last) connection. */
  get requestId(): string | undefined {
    return this.#requestId;
  }

  /** Stops reading and closes the connection; the iteration and finalResult() then reject. */
  abort(reason?: unknown): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(new APIUserAbortError("the run stream was aborted", { cause: reason }));
  }

  /**
   * The run's `result` event. Rejects with RunFailedError when the run ended in an `error` event
   * (its code: TIMEOUT, CANCELLED, …) or failed without one; with the transport's error otherwise.
   * Reads the stream itself when nobody iterates it; once you iterate, it settles as your loop
   * reaches the result (it never takes events from your loop), so keep reading.
   */
  finalResult(): Promise<ResultEvent> {
    if (!this.#started) {
      const events = this[Symbol.asyncIterator]();
      void (async () => {
        while (!(await events.next()).done) {
          // only the outcome matters here
        }
      })().catch(() => undefined);
    }
    return this.#outcome.promise;
  }

  [Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    if (this.#started) {
      throw new SandcasterError(
        "this RunStream is already being read; it can be read once (use finalResult() alongside)",
      );
    }
    this.#started = true;
    return this.#events();
  }

  async *#events(): AsyncGenerator<RunEvent> {
    const signal = this.#controller.signal;
    const caller = this.#settings.signal;
    const onCallerAbort = () => this.abort(caller?.reason);
    if (caller?.aborted) onCallerAbort();
    caller?.addEventListener("abort", onCallerAbort, { once: true });
    let connections = 0;
    try {
      for (let retries = 0; ; ) {
        if (signal.aborted) throw signal.reason;
        const { failure, progressed } = yield* this.#connection(connections++ === 0);
        if (progressed) retries = 0;
        const next = await this.#afterConnection(failure);
        if (next === "over") return;
        if (retries >= this.#settings.maxRetries) {
          throw new APIConnectionError(
            `lost the stream of run ${this.#runId} and could not resume it (${retries} retries): ${next.message}`,
            { cause: next, requestId: next.requestId },
          );
        }
        await sleep(backoffMs(retries++, retryAfterOf(next)), signal);
      }
    } catch (error) {
      const thrown = signal.aborted ? signal.reason : error;
      this.#outcome.reject(thrown);
      throw thrown;
    } finally {
      caller?.removeEventListener("abort", onCallerAbort);
      if (!this.#over) {
        this.abort("the caller stopped reading");
        this.#outcome.reject(
          this.#sawError
            ? failedFromEvent(this.#sawError, this.#runId)
            : new APIUserAbortError("the caller stopped reading before the run ended"),
        );
        // The caller left (or the stream failed) under the "cancel" policy, on a replay connection.
        if (connections > 1 && this.#runId && this.#source.cancel) {
          this.#source.cancel(this.#runId).catch(() => undefined);
        }
      }
    }
  }

  /**
   * One connection: yields the events not delivered yet, returns how it ended (`failure` undefined:
   * the server closed it). The first connection's own failure (an HTTP error, say) is thrown.
   */
  async *#connection(
    first: boolean,
  ): AsyncGenerator<RunEvent, { failure: SandcasterError | undefined; progressed: boolean }> {
    const signal = this.#controller.signal;
    const attempt = linkedController(signal);
    let progressed = false;
    let opened = false;
    try {
      const response = first
        ? await this.#source.open(attempt.controller.signal)
        : await this.#source.resume(
            this.#runId ?? "",
            this.#lastEventId,
            attempt.controller.signal,
          );
      opened = true;
      this.#runId ??= response.headers.get("x-run-id") ?? undefined;
      this.#requestId = response.headers.get("x-request-id") ?? undefined;
      if (!response.body) throw new APIConnectionError("the event stream has no body");
      const messages = readSse(response.body, {
        signal: attempt.controller.signal,
        idleTimeoutMs: this.#settings.idleTimeoutMs,
      });
      for await (const message of messages) {
        const id = eventId(message.id);
        if (id !== undefined && this.#lastEventId !== undefined && id <= this.#lastEventId)
          continue;
        const event = eventFromMessage(message);
        if (id !== undefined) this.#lastEventId = id;
        progressed = true;
        this.#observe(event);
        yield event;
      }
      return { failure: undefined, progressed };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (first && !opened) throw error;
      return { failure: asConnectionError(error), progressed };
    } finally {
      attempt.controller.abort();
      attempt.release();
    }
  }

  /** After a connection: "over" when the run's events are all delivered, else why to retry. Throws to fail. */
  async #afterConnection(failure: SandcasterError | undefined): Promise<"over" | SandcasterError> {
    // The result is the last event: once it is here, a broken close loses nothing.
    if (this.#sawResult || (!failure && this.#sawError)) {
      this.#over = true;
      if (this.#sawError) this.#outcome.reject(failedFromEvent(this.#sawError, this.#runId));
      return "over";
    }
    const runId = this.#runId;
    if (!runId) {
      throw new APIConnectionError("the stream broke before the server named the run", {
        cause: failure,
      });
    }
    let reason = failure;
    if (!reason) {
      // A clean close without result or error: the run is over (its server died, or the events
      // came before `after`), or the connection was cut by something polite.
      const ended = await this.#endedRun(runId);
      if (ended && !(ended instanceof Error)) {
        this.#over = true;
        const error = endedWithoutEvent(ended);
        this.#outcome.reject(error);
        if (ended.status === "completed") return "over";
        throw error;
      }
      reason = ended ?? new APIConnectionError(`the stream of run ${runId} ended early`);
    }
    if (!reason.retryable) throw reason;
    return reason;
  }

  #observe(event: RunEvent): void {
    if (event.type === "system" && event.subtype === "init" && typeof event.runId === "string") {
      this.#runId ??= event.runId;
    } else if (event.type === "result") {
      this.#sawResult = true;
      this.#outcome.resolve(event as ResultEvent);
    } else if (event.type === "error") {
      this.#sawError ??= event as Extract<RunEvent, { type: "error" }>;
    }
  }

  /** The record when the run is over; undefined while it runs; an error when it cannot be read. */
  async #endedRun(runId: string): Promise<RunRecord | undefined | SandcasterError> {
    try {
      const record = await this.#source.getRun(runId, this.#controller.signal);
      return isOver(record) ? record : undefined;
    } catch (error) {
      if (this.#controller.signal.aborted) throw this.#controller.signal.reason;
      return asConnectionError(error);
    }
  }
}
