// The model SDKs' `fetch` (their `fetch` option): a request over node:http (node:https for an
// https URL, loaded only then), answered with a Response whose body streams as a web
// ReadableStream. Node's own fetch costs a cold boot ~45 ms CPU to load before the first request
// (see headers.ts); node:http is ~7 ms. It does what the SDKs ask of fetch: method, headers and
// a string or byte body; status, headers and a streamed body back; the AbortSignal at any point
// (before, while waiting, while streaming: the request ends and the caller gets the signal's
// reason); a failed connection as `TypeError("fetch failed")` with the cause, as Node's fetch
// rejects; gzip/deflate/br bodies inflated; redirects followed within the origin only (the
// headers hold the key). Hand-written (see headers.ts).
import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { FetchHeaders } from "./headers.js";

type BodyInit = string | Uint8Array | ArrayBuffer | AsyncIterable<Uint8Array> | null | undefined;

export interface FetchInit {
  method?: string;
  headers?: ConstructorParameters<typeof FetchHeaders>[0];
  body?: BodyInit;
  signal?: AbortSignal | null;
  redirect?: "follow" | "error" | "manual";
  // Anything else a fetch takes (duplex, keepalive, …) changes nothing here.
  [other: string]: unknown;
}

const MAX_REDIRECTS = 20;
const NO_BODY = new Set([101, 204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

function toBytes(body: BodyInit): Uint8Array | string | AsyncIterable<Uint8Array> | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof body === "object" && Symbol.asyncIterator in body) return body;
  throw new TypeError(`unsupported request body: ${Object.prototype.toString.call(body)}`);
}

/** The decoded body of `response`, per its content-encoding (as fetch does). */
function decoded(response: IncomingMessage): Readable {
  const encoding = (response.headers["content-encoding"] ?? "").trim().toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return response.pipe(createGunzip());
  if (encoding === "deflate") return response.pipe(createInflate());
  if (encoding === "br") return response.pipe(createBrotliDecompress());
  return response;
}

/** A web ReadableStream of `source`'s bytes; cancelling it ends the request. */
function webBody(source: Readable, end: (reason?: unknown) => void): ReadableStream<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else {
            const chunk = next.value as Buffer;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          }
        } catch (error) {
          controller.error(error);
        }
      },
      cancel(reason) {
        end(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

export class FetchResponse {
  readonly type = "basic";
  readonly redirected: boolean;
  bodyUsed = false;

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: FetchHeaders,
    readonly body: ReadableStream<Uint8Array> | null,
    readonly url: string,
    redirects: number,
  ) {
    this.redirected = redirects > 0;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.bodyUsed) throw new TypeError("the body has already been read");
    this.bodyUsed = true;
    if (!this.body) return new ArrayBuffer(0);
    const parts: Uint8Array[] = [];
    for await (const part of this.body as unknown as AsyncIterable<Uint8Array>) parts.push(part);
    const whole = Buffer.concat(parts);
    return whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.arrayBuffer());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

type Transport = Pick<typeof import("node:http"), "request">;

async function transport(url: URL): Promise<Transport> {
  if (url.protocol === "http:") return import("node:http");
  if (url.protocol === "https:") return import("node:https");
  throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
}

/** One request and its response head; the body is left to stream. */
function send(
  http: Transport,
  url: URL,
  options: RequestOptions,
  body: ReturnType<typeof toBytes>,
  signal: AbortSignal | null | undefined,
): Promise<{ request: ClientRequest; response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, options);
    const onAbort = () => {
      reject(abortReason(signal as AbortSignal));
      request.destroy();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.once("error", (error) => {
      signal?.removeEventListener("abort", onAbort);
      reject(new TypeError("fetch failed", { cause: error }));
    });
    request.once("response", (response) => {
      signal?.removeEventListener("abort", onAbort);
      resolve({ request, response });
    });
    if (body === undefined || typeof body === "string" || body instanceof Uint8Array)
      request.end(body);
    else
      Readable.from(body)
        .once("error", (error) => request.destroy(error))
        .pipe(request);
  });
}

/** fetch(input, init) over node:http / node:https; see the file's head. */
export async function nodeFetch(
  input: string | URL | { url: string },
  init: FetchInit = {},
): Promise<FetchResponse> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortReason(signal);
  let url = new URL(
    typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
  );
  let method = (init.method ?? "GET").toUpperCase();
  let body = toBytes(init.body);
  const headers = new FetchHeaders(init.headers);
  if (!headers.has("accept")) headers.set("accept", "*/*");
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "gzip, deflate, br");
  for (let redirects = 0; ; redirects++) {
    const outgoing: Record<string, string | string[]> = {};
    for (const [name, value] of headers) outgoing[name] = value;
    if (body !== undefined && typeof body !== "object")
      outgoing["content-length"] = String(Buffer.byteLength(body));
    else if (body instanceof Uint8Array) outgoing["content-length"] = String(body.byteLength);
    const { request, response } = await send(
      await transport(url),
      url,
      { method, headers: outgoing },
      body,
      signal,
    );
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECT.has(status) && location && init.redirect !== "manual") {
      response.resume();
      if (init.redirect === "error") throw new TypeError("fetch failed: redirected");
      if (redirects >= MAX_REDIRECTS) throw new TypeError("fetch failed: too many redirects");
      if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = undefined;
        headers.delete("content-type");
      } else if (body !== undefined && typeof body === "object" && !(body instanceof Uint8Array))
        throw new TypeError("fetch failed: cannot resend a streamed body on redirect");
      const next = new URL(location, url);
      // The request carries the key (or the run's gateway token) in its headers: never to
      // another origin. Model APIs do not redirect; fetch would drop only Authorization.
      if (next.origin !== url.origin)
        throw new TypeError(`fetch failed: refused a redirect to another origin (${next.origin})`);
      url = next;
      continue;
    }
    const responseHeaders = new FetchHeaders();
    const raw = response.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2)
      responseHeaders.append(raw[i] as string, raw[i + 1] as string);
    const stream = decoded(response);
    const end = (reason?: unknown) => {
      signal?.removeEventListener("abort", onAbort);
      stream.destroy(reason instanceof Error ? reason : undefined);
      request.destroy();
    };
    // After the head: an abort ends the body's stream with the signal's reason.
    const onAbort = () => end(abortReason(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    stream.once("close", () => signal?.removeEventListener("abort", onAbort));
    const hasBody = method !== "HEAD" && !NO_BODY.has(status);
    if (!hasBody) end();
    return new FetchResponse(
      status,
      response.statusMessage ?? "",
      responseHeaders,
      hasBody ? webBody(stream, end) : null,
      url.href,
      redirects,
    );
  }
}
