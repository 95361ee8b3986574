// The shapes of the SDK's options and of the answers of the JSON routes.
import type { RunKind, RunStatus } from "@sandcaster/protocol";

/** The JSON routes' envelopes are protocol's (the server answers the same types). */
export type { CancelRunResponse, HealthResponse, RunPage } from "@sandcaster/protocol";

/** Per call: cancel it with `signal`, add headers (e.g. your own `x-request-id`). */
export interface RequestOptions {
  signal?: AbortSignal | undefined;
  headers?: Record<string, string> | undefined;
}

/** Per stream: overrides of the client's reconnect settings. */
export interface StreamOptions extends RequestOptions {
  /** Reconnects in a row (without an event in between) before the stream fails. */
  maxRetries?: number | undefined;
  /** Silence (no event, no heartbeat) after which a connection counts as dropped; 0: never. */
  idleTimeoutMs?: number | undefined;
}

export interface RunEventsOptions extends StreamOptions {
  /** Start after this event id (the SSE `id:`); from the first event when absent. */
  after?: number | undefined;
}

/** GET /runs filters; `limit` is the page size (1–100, server default 20). */
export interface ListRunsParams {
  limit?: number | undefined;
  status?: RunStatus | undefined;
  cursor?: string | undefined;
  /** Only this session's turns. */
  sessionId?: string | undefined;
  /** Only runs of this kind: `query` (POST /query, sessions), `pipeline` or `agent`. */
  kind?: RunKind | undefined;
  /** Only runs whose id starts with this (`run_af0e`). */
  idPrefix?: string | undefined;
}
