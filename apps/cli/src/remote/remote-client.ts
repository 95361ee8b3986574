// The CLI's only door to a Sandcaster server. Kept this narrow on purpose: @sandcaster/sdk's
// createClient() offers the same five calls, so it can replace this module without touching commands.
import {
  nextCursorFromLink,
  type QueryRequestInput,
  type RunRecord,
  type RunStatus,
} from "@sandcaster/protocol";
import type { RunPage, SeqEvent } from "../run-types.js";
import { RemoteError } from "./remote-error.js";
import { sseEvents } from "./sse-events.js";

export interface RemoteStream {
  /** From the X-Run-Id header. */
  runId: string | undefined;
  events: AsyncIterable<SeqEvent>;
}

export interface RemoteClient {
  /** POST /query: resolves once the stream started (or rejects with the server's refusal). */
  query(request: QueryRequestInput, signal: AbortSignal): Promise<RemoteStream>;
  /** GET /runs */
  listRuns(query: { status?: RunStatus | undefined; limit: number }): Promise<RunPage>;
  /** GET /runs/:id — undefined for 404. */
  getRun(id: string): Promise<RunRecord | undefined>;
  /** GET /runs/:id/events?after= — replay, then live until the run ends. */
  runEvents(id: string, options: { after: number; signal: AbortSignal }): Promise<RemoteStream>;
  /** POST /runs/:id/cancel — the status it answered (cancelling, or the final one). */
  cancelRun(id: string): Promise<string>;
}

export interface RemoteClientOptions {
  url: string;
  apiKey?: string | undefined;
  fetch?: typeof fetch;
  /** For the calls that are not streams. Default 15 s. */
  timeoutMs?: number;
}

export function createRemoteClient(options: RemoteClientOptions): RemoteClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const auth: Record<string, string> = options.apiKey
    ? { authorization: `Bearer ${options.apiKey}` }
    : {};

  async function call(path: string, init: RequestInit, what: string): Promise<Response> {
    const url = new URL(path, options.url);
    let response: Response;
    try {
      response = await doFetch(url, { ...init, headers: { ...auth, ...init.headers } });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw RemoteError.unreachable(options.url, error);
    }
    if (!response.ok) throw await RemoteError.fromResponse(response, what);
    return response;
  }

  async function json<T>(path: string, what: string, method = "GET"): Promise<T> {
    const response = await call(path, { method, signal: AbortSignal.timeout(timeoutMs) }, what);
    return (await response.json()) as T;
  }

  function stream(response: Response): RemoteStream {
    if (!response.body) throw new RemoteError("the server sent no event stream", response.status);
    return {
      runId: response.headers.get("x-run-id") ?? undefined,
      events: sseEvents(response.body),
    };
  }

  const runPath = (id: string) => `/runs/${encodeURIComponent(id)}`;

  return {
    async query(request, signal) {
      const init = {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(request),
        signal,
      };
      return stream(await call("/query", init, "query"));
    },
    async listRuns(query) {
      const params = new URLSearchParams({ limit: String(query.limit) });
      if (query.status) params.set("status", query.status);
      const init = { method: "GET", signal: AbortSignal.timeout(timeoutMs) };
      const response = await call(`/runs?${params}`, init, "list runs");
      const runs = (await response.json()) as RunRecord[];
      const nextCursor = nextCursorFromLink(response.headers.get("link"));
      return { runs, ...(nextCursor ? { nextCursor } : {}) } satisfies RunPage;
    },
    async getRun(id) {
      try {
        return await json<RunRecord>(runPath(id), `run ${id}`);
      } catch (error) {
        if (error instanceof RemoteError && error.status === 404) return undefined;
        throw error;
      }
    },
    async runEvents(id, { after, signal }) {
      const init = { headers: { accept: "text/event-stream" }, signal };
      return stream(await call(`${runPath(id)}/events?after=${after}`, init, `run ${id}`));
    },
    async cancelRun(id) {
      const body = await json<{ status: string }>(`${runPath(id)}/cancel`, `cancel ${id}`, "POST");
      return body.status;
    },
  };
}
