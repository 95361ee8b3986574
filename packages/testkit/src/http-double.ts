// The loopback server every model double shares: routing, request recording, turn consumption,
// and what all providers do alike (delays, scripted errors, exhaustion, cut and paced streams).
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { DoubleOptions, ModelDouble, RecordedRequest, ScriptedTurn } from "./script.js";
import { type SseEvent, writeSse } from "./sse.js";

/** A request the provider recognised as a model call. */
export interface ModelCall {
  streaming: boolean;
  /** Echoed back in responses (from the body or, for Gemini, the path). */
  model: string;
  /** The parsed JSON body, or an empty object when it was not a JSON object. */
  body: Record<string, unknown>;
}

/** What a provider contributes; everything else is shared. */
export interface ProviderAdapter {
  /** Appended to the origin to form `ModelDouble.url`, matching what the SDK expects. */
  basePath: string;
  /** The model call this request is, or undefined for a path the provider does not serve (404). */
  route(method: string, pathname: string, body: Record<string, unknown>): ModelCall | undefined;
  /** The provider's error JSON for an HTTP error status. */
  /** `retryAfterSecs` is for APIs that put retry advice in the body (Gemini's RetryInfo). */
  errorBody(status: number, message: string, retryAfterSecs?: number): unknown;
  /** Headers the real API sends on every answer (request ids the SDKs surface on errors). */
  responseHeaders(): Record<string, string>;
  streamEvents(turn: ScriptedTurn, call: ModelCall): SseEvent[];
  /** The whole answer as one JSON body, for non-streaming calls. */
  completeBody(turn: ScriptedTurn, call: ModelCall): unknown;
}

export const EXHAUSTED_MESSAGE = "scripted model double: script exhausted";

export async function startHttpDouble(
  options: DoubleOptions,
  adapter: ProviderAdapter,
): Promise<ModelDouble> {
  // Copied so a test mutating its array after start cannot change what the double answers.
  const turns = [...options.turns];
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  let consumed = 0;

  const takeTurn = (): ScriptedTurn | undefined => {
    const turn = turns[consumed];
    if (turn) consumed += 1;
    return turn;
  };

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res, adapter, requests, takeTurn, closing.signal).catch((error: unknown) => {
      // Aborted pacing on close is expected; anything else is a bug in the double, made loud.
      if (closing.signal.aborted) return;
      if (!res.headersSent) {
        sendJson(res, 500, adapter.errorBody(500, `scripted model double: ${String(error)}`), {});
      } else {
        res.socket?.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}${adapter.basePath}`,
    requests,
    pending: () => turns.length - consumed,
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets and streams still being written would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  adapter: ProviderAdapter,
  requests: RecordedRequest[],
  takeTurn: () => ScriptedTurn | undefined,
  signal: AbortSignal,
): Promise<void> {
  const body = parseBody(await readBody(req));
  const method = req.method ?? "GET";
  const path = req.url ?? "/";
  requests.push({ method, path, headers: flattenHeaders(req.headers), body });

  const headers = adapter.responseHeaders();
  const pathname = new URL(path, "http://double.invalid").pathname;
  const call = adapter.route(method, pathname, asRecord(body));
  if (!call) {
    const message = `scripted model double: no route for ${method} ${pathname}`;
    sendJson(res, 404, adapter.errorBody(404, message), headers);
    return;
  }

  const turn = takeTurn();
  if (!turn) {
    sendJson(res, 500, adapter.errorBody(500, EXHAUSTED_MESSAGE), headers);
    return;
  }
  if (turn.delayMs) await sleep(turn.delayMs, undefined, { signal });
  if (res.destroyed) return;

  if (turn.error) {
    const { status, retryAfterSecs } = turn.error;
    const message = turn.error.message ?? `scripted model double: HTTP ${status}`;
    if (retryAfterSecs !== undefined) headers["retry-after"] = String(retryAfterSecs);
    sendJson(res, status, adapter.errorBody(status, message, retryAfterSecs), headers);
    return;
  }

  if (!call.streaming) {
    // A one-shot JSON body has no events to cut between: the cut becomes a dropped connection.
    if (turn.cutAfterEvents !== undefined) {
      res.socket?.destroy();
      return;
    }
    sendJson(res, 200, adapter.completeBody(turn, call), headers);
    return;
  }

  const pacing = { cutAfterEvents: turn.cutAfterEvents, chunkDelayMs: turn.chunkDelayMs, signal };
  await writeSse(res, adapter.streamEvents(turn, call), pacing, headers);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    // Kept as text so a test can still see what a client sent when it was not JSON.
    return raw;
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Unix seconds, as OpenAI's `created` field. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** Short unique-per-double ids in each provider's style (`msg_…`, `toolu_…`, `chatcmpl-…`). */
export function idMaker(): (prefix: string) => string {
  let sequence = 0;
  return (prefix) => {
    sequence += 1;
    return `${prefix}double${String(sequence).padStart(4, "0")}`;
  };
}
