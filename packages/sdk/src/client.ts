// createClient(options): checks the settings once and returns the client (query, runs, health).
import type { QueryRequestInput } from "@sandcaster/protocol";
import { Agents } from "./agents.js";
import { SandcasterError } from "./errors.js";
import { Pipelines } from "./pipelines.js";
import { runSource } from "./run-source.js";
import { RunStream } from "./run-stream.js";
import { Runs } from "./runs.js";
import { Sessions } from "./sessions.js";
import { type FetchLike, Transport } from "./transport.js";
import type { HealthResponse, RequestOptions, StreamOptions } from "./types.js";

export interface ClientOptions {
  /** Where the server listens, e.g. `http://localhost:8000` (a path prefix is kept). */
  baseUrl: string;
  /** The server's SANDCASTER_API_KEY, sent as `Authorization: Bearer …`. */
  apiKey?: string | undefined;
  /** Default: the runtime's global `fetch`. */
  fetch?: FetchLike | undefined;
  /** Longest wait for a response: its headers, and for JSON routes its body. Default 60 000 ms. */
  timeoutMs?: number | undefined;
  /** Reconnects in a row, without an event in between, before a stream fails. Default 5. */
  maxRetries?: number | undefined;
  /** Silence on a stream after which it counts as dropped (the server sends a heartbeat every 15 s). Default 60 000 ms; 0: never. */
  idleTimeoutMs?: number | undefined;
  /** Sent with every request. */
  headers?: Record<string, string> | undefined;
}

export interface SandcasterClient {
  /**
   * Starts a run (POST /query) and streams its events. Nothing is sent until the stream is read
   * (`for await`, or `finalResult()`); HTTP errors (400, 401, 429, …) are thrown from that read.
   *
   * Disconnects: a dropped connection is always resumed (GET /runs/:id/events, Last-Event-ID), but
   * only a run started with `onDisconnect: "continue"` survives a drop the server notices. Under the
   * default `"cancel"` the server cancels the run when it sees its client go, so the resumed stream
   * ends in `error` CANCELLED. Pass `"continue"` when the run must outlive network trouble. Leaving
   * the stream (break, `abort()`, your signal) ends a `"cancel"` run — the server sees the
   * connection close, and a resumed stream sends POST /runs/:id/cancel — while a `"continue"` run
   * goes on: stop it with `client.runs.cancel(stream.runId)`.
   */
  query(request: QueryRequestInput, options?: StreamOptions): RunStream;
  readonly runs: Runs;
  /** Sessions: `query({ sessionId, … })` continues one. */
  readonly sessions: Sessions;
  /** Markdown pipelines (POST /pipelines): `pipelines.run(markdown)` streams like `query`. */
  readonly pipelines: Pipelines;
  /** Custom agents: deploy your code, invoke it per request (a fresh sandbox each), secrets, versions. */
  readonly agents: Agents;
  /** GET /health (needs no API key). */
  health(options?: RequestOptions): Promise<HealthResponse>;
}

function checkNumber(name: string, value: number | undefined, fallback: number, min: number) {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    throw new SandcasterError(`${name} must be a number ≥ ${min}, got ${value}`);
  }
  return value;
}

function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new SandcasterError(`baseUrl is not a URL: ${baseUrl}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SandcasterError(`baseUrl must be http(s), got ${url.protocol}`);
  }
  return baseUrl;
}

function defaultFetch(): FetchLike {
  if (typeof globalThis.fetch !== "function") {
    throw new SandcasterError(
      "this runtime has no global fetch: pass createClient({ fetch }) (Node ≥ 18, browsers, Bun and Deno have one)",
    );
  }
  // Called unbound: some browsers reject fetch invoked as a method of another object.
  return (input, init) => globalThis.fetch(input, init);
}

export function createClient(options: ClientOptions): SandcasterClient {
  const transport = new Transport({
    baseUrl: checkBaseUrl(options.baseUrl),
    apiKey: options.apiKey,
    fetch: options.fetch ?? defaultFetch(),
    timeoutMs: checkNumber("timeoutMs", options.timeoutMs, 60_000, 1),
    headers: options.headers ?? {},
  });
  const defaults = {
    maxRetries: Math.floor(checkNumber("maxRetries", options.maxRetries, 5, 0)),
    idleTimeoutMs: checkNumber("idleTimeoutMs", options.idleTimeoutMs, 60_000, 0),
  };
  const runs = new Runs(transport, defaults);

  return {
    runs,
    sessions: new Sessions(transport),
    pipelines: new Pipelines(transport, defaults),
    agents: new Agents(transport, defaults),
    query(request, streamOptions = {}) {
      const headers = streamOptions.headers;
      const source = runSource(transport, {
        open: (signal) =>
          transport.stream({ method: "POST", path: "/query", body: request, headers, signal }),
        headers,
        cancelOnLeave: request.onDisconnect !== "continue",
      });
      return new RunStream(source, {
        maxRetries: streamOptions.maxRetries ?? defaults.maxRetries,
        idleTimeoutMs: streamOptions.idleTimeoutMs ?? defaults.idleTimeoutMs,
        signal: streamOptions.signal,
      });
    },
    health(requestOptions = {}) {
      return transport.json<HealthResponse>({
        method: "GET",
        path: "/health",
        headers: requestOptions.headers,
        signal: requestOptions.signal,
      });
    },
  };
}
