// The client against an injected fetch: exact requests, unknown events, dedupe on resume, status mapping.
import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../src/api-error.js";
import { backoffMs } from "../src/backoff.js";
import {
  APIError,
  ConflictError,
  createClient,
  type FetchLike,
  InternalServerError,
  isKnownEvent,
  NotFoundError,
  RateLimitError,
  RunFailedError,
  SandcasterError,
} from "../src/index.js";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from `respond` and records every request. */
function fakeFetch(respond: (call: Call, n: number) => Response) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call: Call = {
      url,
      method: init.method ?? "GET",
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    return respond(call, calls.length);
  };
  return { fetch, calls };
}

const frame = (id: number, data: Record<string, unknown>) =>
  `id: ${id}\nevent: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;

const sse = (body: string | ReadableStream<Uint8Array>) =>
  new Response(body, {
    headers: { "content-type": "text/event-stream", "x-run-id": "run_1", "x-request-id": "req_1" },
  });

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

const INIT = { type: "system", subtype: "init", content: "run started", runId: "run_1" };
const TEXT = (content: string) => ({ type: "assistant", subtype: "delta", content });
const RESULT = { type: "result", subtype: "success", content: "done", numTurns: 1 };

describe("wire", () => {
  it("passes unknown event types through as {type, …} and sends the documented request", async () => {
    const future = { type: "future_thing", detail: { level: 3 } };
    const { fetch, calls } = fakeFetch(() =>
      sse(frame(1, INIT) + frame(2, future) + frame(3, TEXT("hi")) + frame(4, RESULT)),
    );
    const client = createClient({ baseUrl: "http://sandcaster.test/api/", apiKey: "k", fetch });
    const stream = client.query({ prompt: "go", maxTurns: 3 });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual(["system", "future_thing", "assistant", "result"]);
    expect(events[1]).toEqual(future);
    expect(events.map(isKnownEvent)).toEqual([true, false, true, true]);
    await expect(stream.finalResult()).resolves.toEqual(RESULT);
    expect(stream).toMatchObject({ runId: "run_1", requestId: "req_1", lastEventId: 4 });
    expect(calls).toEqual([
      {
        url: "http://sandcaster.test/api/query",
        method: "POST",
        headers: {
          accept: "text/event-stream",
          authorization: "Bearer k",
          "content-type": "application/json",
        },
        body: { prompt: "go", maxTurns: 3 },
      },
    ]);
  });

  it("resumes with Last-Event-ID after a clean early end and skips events it already delivered", async () => {
    const { fetch, calls } = fakeFetch((call, n) => {
      if (n === 1) return sse(frame(1, INIT) + frame(2, TEXT("a")) + frame(3, TEXT("b")));
      if (call.url.endsWith("/runs/run_1")) return json(200, { id: "run_1", status: "running" });
      // The server sends from an earlier id than asked: the client must not repeat 2 and 3.
      return sse(
        frame(2, TEXT("a")) + frame(3, TEXT("b")) + frame(4, TEXT("c")) + frame(5, RESULT),
      );
    });
    const stream = createClient({ baseUrl: "http://s.test", fetch }).query({ prompt: "go" });
    const seen: [number | undefined, string][] = [];
    for await (const event of stream) seen.push([stream.lastEventId, event.type]);
    expect(seen.map(([id]) => id)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "POST http://s.test/query",
      "GET http://s.test/runs/run_1",
      "GET http://s.test/runs/run_1/events",
    ]);
    expect(calls[2]?.headers["last-event-id"]).toBe("3");
    expect(calls[2]?.headers.accept).toBe("text/event-stream");
  });

  it("resumes after a body that breaks mid-event; the cut-off event comes from the resume", async () => {
    const encoder = new TextEncoder();
    let pulls = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) {
          controller.enqueue(encoder.encode(frame(1, INIT) + frame(2, TEXT("a")).slice(0, 12)));
        } else controller.error(new TypeError("terminated"));
      },
    });
    const { fetch, calls } = fakeFetch((_, n) =>
      n === 1 ? sse(broken) : sse(frame(2, TEXT("a")) + frame(3, RESULT)),
    );
    const stream = createClient({ baseUrl: "http://s.test", fetch }).query({ prompt: "go" });
    await expect(stream.finalResult()).resolves.toEqual(RESULT);
    expect(stream.lastEventId).toBe(3);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.headers["last-event-id"]).toBe("1");
  });

  it("a run whose record ended without an error event (SERVER_LOST) fails with RunFailedError", async () => {
    const { fetch } = fakeFetch((_, n) => {
      if (n === 1) return sse(frame(1, INIT));
      return json(200, {
        id: "run_1",
        status: "error",
        error: "the server running this run stopped",
        errorCode: "SERVER_LOST",
      });
    });
    const stream = createClient({ baseUrl: "http://s.test", fetch }).query({ prompt: "go" });
    const reading = (async () => {
      for await (const _event of stream) {
        // read on
      }
    })();
    const error = await reading.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    expect(error).toMatchObject({ code: "SERVER_LOST", runId: "run_1" });
    await expect(stream.finalResult()).rejects.toBe(error);
  });

  it("leaving the loop early cancels the response body", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(frame(1, INIT)));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { fetch } = fakeFetch(() => sse(body));
    const stream = createClient({ baseUrl: "http://s.test", fetch }).query({ prompt: "go" });
    for await (const _event of stream) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cancelled).toBe(true);
  });

  it("maps statuses to error classes, recognisable across copies of the SDK", async () => {
    const answers = [
      json(409, { error: "already", code: "CONFLICT" }),
      json(500, { error: "internal server error", code: "INTERNAL" }),
      json(503, { error: "draining", code: "SHUTTING_DOWN" }, { "retry-after": "1" }),
      new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
      json(418, { error: "teapot", code: "TEAPOT" }),
      json(429, { error: "full", code: "TOO_MANY_RUNS" }, { "retry-after": "7" }),
      new Response("<html>login</html>", { status: 200, headers: { "content-type": "text/html" } }),
    ];
    const { fetch } = fakeFetch((_, n) => answers[n - 1] ?? json(500, {}));
    const client = createClient({ baseUrl: "http://s.test", fetch });
    const fail = (promise: Promise<unknown>) => promise.catch((e: unknown) => e);
    const conflict = await fail(client.health());
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toMatchObject({ status: 409, code: "CONFLICT", retryable: false });
    expect(await fail(client.health())).toMatchObject({ status: 500, retryable: true });
    const draining = await fail(client.health());
    expect(draining).toBeInstanceOf(InternalServerError);
    expect(draining).toMatchObject({ status: 503, retryAfter: 1, code: "SHUTTING_DOWN" });
    const gateway = await fail(client.health());
    expect(gateway).toBeInstanceOf(InternalServerError);
    expect(gateway).toMatchObject({
      message: "502: Bad Gateway",
      body: "<html>bad gateway</html>",
    });
    const teapot = await fail(client.health());
    expect(teapot?.constructor).toBe(APIError);
    expect(await fail(client.query({ prompt: "x" }).finalResult())).toMatchObject({
      status: 429,
      retryAfter: 7,
    });
    const notStream = await fail(client.query({ prompt: "x" }).finalResult());
    expect(notStream).toBeInstanceOf(APIError);
    expect((notStream as Error).message).toMatch(/expected an event stream, got text\/html/);

    // Another copy of the SDK makes other classes; the marker still recognises its errors.
    const foreign = Object.assign(new Error("429 TOO_MANY_RUNS"), {
      [Symbol.for("@sandcaster/sdk.error-kinds")]: [
        "RateLimitError",
        "APIError",
        "SandcasterError",
      ],
    });
    expect(RateLimitError.isInstance(foreign)).toBe(true);
    expect(APIError.isInstance(foreign)).toBe(true);
    expect(SandcasterError.isInstance(foreign)).toBe(true);
    expect(NotFoundError.isInstance(foreign)).toBe(false);
    expect(SandcasterError.isInstance(new Error("plain"))).toBe(false);
  });

  it("checks its settings once, at createClient", () => {
    expect(() => createClient({ baseUrl: "not a url" })).toThrow(/baseUrl is not a URL/);
    expect(() => createClient({ baseUrl: "ftp://x" })).toThrow(/must be http/);
    expect(() => createClient({ baseUrl: "http://x", timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createClient({ baseUrl: "http://x", maxRetries: -1 })).toThrow(/maxRetries/);
  });

  it("backs off exponentially with jitter, and honours Retry-After", () => {
    expect(backoffMs(0, undefined, () => 0)).toBe(250);
    expect(backoffMs(0, undefined, () => 1)).toBe(500);
    expect(backoffMs(3, undefined, () => 1)).toBe(4000);
    expect(backoffMs(30, undefined, () => 0.5)).toBe(7500);
    expect(backoffMs(0, 3)).toBe(3000);
    expect(parseRetryAfter("120")).toBe(120);
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
