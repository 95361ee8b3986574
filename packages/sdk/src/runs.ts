// client.runs: the run history (list, one page, one run), a run's events, and cancel.
import { nextCursorFromLink, type RunRecord } from "@sandcaster/protocol";
import { Paginator } from "./paginate.js";
import { openRunEvents, runPath, runSource } from "./run-source.js";
import { RunStream } from "./run-stream.js";
import type { Transport } from "./transport.js";
import type {
  CancelRunResponse,
  ListRunsParams,
  RequestOptions,
  RunEventsOptions,
  RunPage,
} from "./types.js";

export interface StreamDefaults {
  maxRetries: number;
  idleTimeoutMs: number;
}

export class Runs {
  readonly #transport: Transport;
  readonly #defaults: StreamDefaults;

  constructor(transport: Transport, defaults: StreamDefaults) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  /** Every run matching `params`, newest first, fetched a page (`limit` runs) at a time. */
  list(params: ListRunsParams = {}, options: RequestOptions = {}): Paginator<RunPage, RunRecord> {
    return new Paginator(
      {
        fetch: (cursor) => this.page({ ...params, cursor }, options),
        items: (page) => page.runs,
        next: (page) => page.nextCursor,
      },
      params.cursor,
    );
  }

  /** One page of GET /runs; pass its `nextCursor` back as `cursor` for the next. */
  async page(params: ListRunsParams = {}, options: RequestOptions = {}): Promise<RunPage> {
    const { body, headers } = await this.#transport.jsonWithHeaders<RunRecord[]>({
      method: "GET",
      path: "/runs",
      query: {
        limit: params.limit,
        status: params.status,
        cursor: params.cursor,
        sessionId: params.sessionId,
        kind: params.kind,
        idPrefix: params.idPrefix,
      },
      headers: options.headers,
      signal: options.signal,
    });
    const nextCursor = nextCursorFromLink(headers.get("link"));
    return { runs: body, ...(nextCursor ? { nextCursor } : {}) };
  }

  get(runId: string, options: RequestOptions = {}): Promise<RunRecord> {
    return this.#transport.json<RunRecord>({
      method: "GET",
      path: runPath(runId),
      headers: options.headers,
      signal: options.signal,
    });
  }

  /**
   * A run's events from the start, or after `after`, then live until it ends — past or running,
   * on any instance. Resumes like `query()`; leaving it never cancels the run.
   */
  events(runId: string, options: RunEventsOptions = {}): RunStream {
    const transport = this.#transport;
    const source = runSource(transport, {
      open: (signal) => openRunEvents(transport, runId, options.after, signal, options.headers),
      headers: options.headers,
      cancelOnLeave: false,
    });
    return new RunStream(source, {
      maxRetries: options.maxRetries ?? this.#defaults.maxRetries,
      idleTimeoutMs: options.idleTimeoutMs ?? this.#defaults.idleTimeoutMs,
      signal: options.signal,
      runId,
      after: options.after,
    });
  }

  /** Stops the run wherever it runs; idempotent. Its stream then ends with `error` CANCELLED. */
  cancel(runId: string, options: RequestOptions = {}): Promise<CancelRunResponse> {
    return this.#transport.json<CancelRunResponse>({
      method: "POST",
      path: `${runPath(runId)}/cancel`,
      headers: options.headers,
      signal: options.signal,
    });
  }
}
