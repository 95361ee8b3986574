// One HTTP exchange with the server: URL, headers, timeout and abort, and every failure as a typed error.
import { linkedController } from "./abort.js";
import { errorFromResponse } from "./api-error.js";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  SandcasterError,
} from "./errors.js";

/** The part of `fetch` the SDK uses; inject one to add a proxy agent, logging or a test double. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportSettings {
  baseUrl: string;
  apiKey: string | undefined;
  fetch: FetchLike;
  timeoutMs: number;
  headers: Readonly<Record<string, string>>;
}

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** A binary body sent as is (e.g. a tar archive), instead of `body` as JSON. */
  raw?: { bytes: Uint8Array; type: string } | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  signal?: AbortSignal | undefined;
}

/** Marks an abort as ours (the timeout), so it is not taken for the caller's. */
class Timeout {}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause?.code ?? cause?.message;
  return typeof detail === "string" && !error.message.includes(detail)
    ? `${error.message} (${detail})`
    : error.message;
}

export class Transport {
  constructor(private readonly settings: TransportSettings) {}

  url(path: string, query: RequestSpec["query"] = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.toString() ? `?${params}` : "";
    return `${this.settings.baseUrl.replace(/\/+$/, "")}${path}${search}`;
  }

  /** A JSON request; the timeout covers the whole exchange, body included. */
  json<T>(spec: RequestSpec): Promise<T> {
    return this.exchange(spec, "application/json", async (response) => {
      const text = await response.text();
      try {
        return (text === "" ? undefined : JSON.parse(text)) as T;
      } catch {
        throw new SandcasterError(`${spec.method} ${spec.path}: the answer is not JSON`, {
          status: response.status,
          requestId: response.headers.get("x-request-id") ?? undefined,
        });
      }
    });
  }

  /** json(), with the answer's headers (a page whose next cursor is in Link). */
  async jsonWithHeaders<T>(spec: RequestSpec): Promise<{ body: T; headers: Headers }> {
    let headers = new Headers();
    const body = await this.exchange(spec, "application/json", async (response) => {
      headers = response.headers;
      return (await response.json()) as T;
    });
    return { body, headers };
  }

  /** A request whose answer is bytes (a download); a 204 gives an empty array. */
  bytes(spec: RequestSpec, accept = "application/octet-stream"): Promise<Uint8Array> {
    return this.exchange(
      spec,
      accept,
      async (response) => new Uint8Array(await response.arrayBuffer()),
    );
  }

  /**
   * Opens an SSE stream; the timeout covers only the wait for the response headers. The body stays
   * tied to `spec.signal`: aborting it closes the connection.
   */
  stream(spec: RequestSpec): Promise<Response> {
    return this.exchange(spec, "text/event-stream", async (response) => {
      // 204: an ended run with nothing after Last-Event-ID (the SSE standard's "stop"): read as
      // an empty stream (a 204 Response cannot carry a body, hence the synthesized 200).
      if (response.status === 204) {
        return new Response(new ReadableStream({ start: (c) => c.close() }), {
          status: 200,
          headers: response.headers,
        });
      }
      const type = response.headers.get("content-type") ?? "";
      if (!type.includes("text/event-stream") || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        throw new APIError(
          `${response.status}: expected an event stream, got ${type || "no body"}`,
          {
            status: response.status,
            code: undefined,
            body: undefined,
            headers: response.headers,
            requestId: response.headers.get("x-request-id") ?? undefined,
          },
        );
      }
      return response;
    });
  }

  private async exchange<T>(
    spec: RequestSpec,
    accept: string,
    read: (response: Response) => Promise<T>,
  ): Promise<T> {
    const { controller, release } = linkedController(spec.signal);
    const timer = setTimeout(() => controller.abort(new Timeout()), this.settings.timeoutMs);
    const headers: Record<string, string> = { accept, ...this.settings.headers, ...spec.headers };
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    if (spec.body !== undefined) headers["content-type"] = "application/json";
    if (spec.raw) headers["content-type"] = spec.raw.type;
    let streaming = false;
    try {
      const response = await this.settings.fetch(this.url(spec.path, spec.query), {
        method: spec.method,
        headers,
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        ...(spec.raw ? { body: spec.raw.bytes as unknown as RequestInit["body"] } : {}),
        signal: controller.signal,
      });
      if (!response.ok) throw await errorFromResponse(response);
      const value = await read(response);
      streaming = value === response;
      return value;
    } catch (error) {
      if (SandcasterError.isInstance(error)) throw error;
      const what = `${spec.method} ${spec.path}`;
      if (spec.signal?.aborted) {
        throw new APIUserAbortError(`${what} was aborted`, { cause: spec.signal.reason });
      }
      if (controller.signal.reason instanceof Timeout) {
        throw new APIConnectionTimeoutError(
          `${what}: no response within ${this.settings.timeoutMs} ms`,
          { cause: error },
        );
      }
      throw new APIConnectionError(`${what}: ${describe(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      // A stream's body still needs the caller's signal to reach the connection.
      if (!streaming) release();
    }
  }
}
