// Every error class, provoked for real: bad input, wrong key, unknown run, full server, no server, slow server, abort.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { errorFromResponse } from "../src/api-error.js";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  createClient,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  SandcasterError,
} from "../src/index.js";
import { startTestServer } from "./harness.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(options);
  cleanups.push(() => server.close());
  return server;
}

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return `http://127.0.0.1:${address.port}`;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** The first step of a stream: where a stream's HTTP errors surface. */
const firstEvent = (stream: AsyncIterable<unknown>) => stream[Symbol.asyncIterator]().next();

/** Starts reading a stream (its run now holds a slot); `rest()` reads it to the end. */
async function startReading(stream: AsyncIterable<unknown>) {
  const events = stream[Symbol.asyncIterator]();
  await events.next();
  return {
    async rest() {
      while (!(await events.next()).done) {
        // finalResult() settles when the reading reaches the result
      }
    },
  };
}

describe("errors", () => {
  it("400: BadRequestError names each bad field, with code, status and request id", async () => {
    const server = await start({ turns: [] });
    const client = createClient({ baseUrl: server.url });
    const error = await failure(firstEvent(client.query({ prompt: "x", timeout: 1 })));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(BadRequestError.isInstance(error) && APIError.isInstance(error)).toBe(true);
    const bad = error as BadRequestError;
    expect(bad).toMatchObject({ status: 400, code: "INVALID_REQUEST", retryable: false });
    expect(bad.details).toEqual([{ field: "timeout", message: expect.any(String) }]);
    expect(bad.requestId).toMatch(/^req_/);
    expect(bad.message).toMatch(/^400 INVALID_REQUEST: invalid request: timeout/);

    const page = (await failure(client.runs.page({ limit: 1000 }))) as BadRequestError;
    expect(page).toBeInstanceOf(BadRequestError);
    expect(page.details.map((d) => d.field)).toEqual(["limit"]);
    // The caller's own request id comes back on the error.
    const mine = await failure(
      client.runs.page({ cursor: "nonsense" }, { headers: { "x-request-id": "mine-1" } }),
    );
    expect(mine).toMatchObject({ status: 400, requestId: "mine-1" });
  });

  it("401: AuthenticationError for a wrong key; the right key works", async () => {
    const server = await start({ turns: [{ text: "ok" }], apiKey: "right-key" });
    const wrong = createClient({ baseUrl: server.url, apiKey: "wrong-key" });
    const error = await failure(wrong.runs.page());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expect(await failure(firstEvent(wrong.query({ prompt: "x" })))).toBeInstanceOf(
      AuthenticationError,
    );
    const right = createClient({ baseUrl: server.url, apiKey: "right-key" });
    await expect(right.query({ prompt: "x" }).finalResult()).resolves.toMatchObject({
      content: "ok",
    });
  });

  it("404: NotFoundError for an unknown run, from get, events and cancel", async () => {
    const server = await start({ turns: [] });
    const client = createClient({ baseUrl: server.url });
    const error = await failure(client.runs.get("run_nope"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(await failure(client.runs.events("run_nope").finalResult())).toBeInstanceOf(
      NotFoundError,
    );
    expect(await failure(client.runs.cancel("run_nope"))).toBeInstanceOf(NotFoundError);
  });

  it("429: RateLimitError with retryAfter when the run limit and queue are full", async () => {
    const server = await start({
      turns: [{ toolCalls: [{ name: "bash", input: { command: "sleep 2" } }] }, { text: "one" }],
      config: { limits: { maxConcurrentRuns: 1, maxQueuedRuns: 0, queueTimeoutSecs: 1 } },
    });
    const client = createClient({ baseUrl: server.url });
    const first = client.query({ prompt: "first" });
    const reading = await startReading(first);
    const error = await failure(client.query({ prompt: "second" }).finalResult());
    expect(error).toBeInstanceOf(RateLimitError);
    const limited = error as RateLimitError;
    expect(limited).toMatchObject({ status: 429, code: "TOO_MANY_RUNS", retryable: true });
    expect(limited.retryAfter).toEqual(expect.any(Number));
    expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
    await reading.rest();
    await expect(first.finalResult()).resolves.toMatchObject({ content: "one" });
  });

  it("no server: APIConnectionError (not a timeout, not an APIError)", async () => {
    const url = await silentServer();
    await cleanups.pop()?.(); // closed again: the port now refuses connections
    const client = createClient({ baseUrl: url });
    const error = await failure(client.health());
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).not.toBeInstanceOf(APIConnectionTimeoutError);
    expect(error).not.toBeInstanceOf(APIError);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect((error as Error).message).toMatch(/ECONNREFUSED|fetch failed/);
    expect(await failure(firstEvent(client.query({ prompt: "x" })))).toBeInstanceOf(
      APIConnectionError,
    );
  });

  it("timeoutMs: APIConnectionTimeoutError, from a silent server and from a run that waits in the queue", async () => {
    const silent = createClient({ baseUrl: await silentServer(), timeoutMs: 200 });
    const started = Date.now();
    const error = await failure(silent.health());
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect((error as Error).message).toMatch(/no response within 200 ms/);
    expect(Date.now() - started).toBeLessThan(2000);

    // A run queued behind another one is answered at once (headers and a `queued` event), so
    // timeoutMs, which bounds the wait for an answer, does not fire while it waits for a slot.
    const server = await start({
      turns: [{ toolCalls: [{ name: "bash", input: { command: "sleep 2" } }] }, { text: "one" }],
      config: { limits: { maxConcurrentRuns: 1, maxQueuedRuns: 1, queueTimeoutSecs: 30 } },
    });
    const client = createClient({ baseUrl: server.url });
    const first = client.query({ prompt: "first" });
    const reading = await startReading(first);
    const impatient = createClient({ baseUrl: server.url, timeoutMs: 300 });
    const queued = impatient.query({ prompt: "queued" });
    const { value: event } = await firstEvent(queued);
    expect(event).toMatchObject({ type: "system", subtype: "queued" });
    queued.abort();
    await reading.rest();
    await expect(first.finalResult()).resolves.toMatchObject({ content: "one" });
  });

  it("caller abort: APIUserAbortError from JSON calls and streams, before or during the request", async () => {
    const url = await silentServer();
    const client = createClient({ baseUrl: url });
    const controller = new AbortController();
    const pending = failure(client.health({ signal: controller.signal }));
    controller.abort();
    expect(await pending).toBeInstanceOf(APIUserAbortError);

    const stream = client.query({ prompt: "x" }, { signal: controller.signal });
    const error = await failure(stream.finalResult());
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(SandcasterError.isInstance(error)).toBe(true);

    const aborted = client.query({ prompt: "x" });
    const reading = failure(firstEvent(aborted));
    aborted.abort();
    expect(await reading).toBeInstanceOf(APIUserAbortError);
  });
});

describe("a server set up wrong", () => {
  it("a 5xx is retryable, but not SANDBOX_IMAGE_MISSING (the image stays missing)", async () => {
    const answer = (code: string, status: number) =>
      errorFromResponse(
        new Response(JSON.stringify({ error: "x", code }), {
          status,
          headers: { "content-type": "application/json" },
        }),
      );
    const missing = await answer("SANDBOX_IMAGE_MISSING", 500);
    expect(missing).toBeInstanceOf(InternalServerError);
    expect(missing.retryable).toBe(false);
    expect((await answer("SANDBOX_UNAVAILABLE", 503)).retryable).toBe(true);
    expect((await answer("INTERNAL", 500)).retryable).toBe(true);
  });
});
