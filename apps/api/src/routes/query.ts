// POST /query: plans and admits the run before answering (refusals are thrown: JSON from
// app.onError), then streams it as SSE. A run that must wait for a slot is answered as soon as its
// record is stored (headers, X-Run-Id, a `system` `queued` event) and streams when its turn comes.
import { randomUUID } from "node:crypto";
import type { HttpBindings } from "@hono/node-server";
import {
  type RunEvent,
  type RunHandle,
  type RunSlots,
  SandcasterError,
  type StartRunServices,
  startQuery,
} from "@sandcaster/core";
import type { QueryRequest, SandcasterEvent, SessionEvent } from "@sandcaster/protocol";
import { type Context, Hono } from "hono";
import type { Metrics } from "../metrics/index.js";
import { requestTraceContext } from "../tracing/trace-request.js";
import { readQueryRequest } from "./read-query-request.js";
import { admitRun, refuseWhileDraining, refuseWhileStoreDown } from "./run-admission.js";
import { observeRun } from "./run-metrics.js";
import { type SseStream, streamRunEvents, writeEvents } from "./sse-stream.js";

export interface QueryRouteDeps {
  runs: StartRunServices;
  slots: RunSlots;
  metrics: Metrics;
  heartbeatMs: number;
  isDraining: () => boolean;
}

/**
 * Calls `gone` once if the client leaves before the response has ended. From the Node response's
 * `close` where there is one: `c.req.raw.signal` costs an AbortController (an EventTarget) per
 * request, held as long as the stream is open.
 */
function onClientGone(c: Context, gone: () => void): void {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (!outgoing) {
    c.req.raw.signal.addEventListener("abort", gone, { once: true });
    return;
  }
  if (outgoing.closed) {
    if (!outgoing.writableFinished) gone();
    return;
  }
  // `on`, not `once`: a response closes once, and once's wrapper would be held meanwhile.
  outgoing.on("close", () => {
    if (!outgoing.writableFinished) gone();
  });
}

const ignore = (): void => undefined;

/** A frame outside the run's numbered events (no `id:`, so Last-Event-ID is not moved). */
async function writeUnnumbered(
  stream: SseStream,
  event: SandcasterEvent | SessionEvent,
): Promise<void> {
  if (!stream.aborted)
    await stream.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

export function queryRoute(deps: QueryRouteDeps): Hono {
  const app = new Hono();
  app.post("/query", async (c) => {
    refuseWhileDraining(deps.isDraining);
    return streamQuery(c, deps, await readQueryRequest(c));
  });
  return app;
}

/**
 * One POST /query's state for as long as its stream is open. Its callbacks are methods, and the
 * closures handed out below capture this object rather than more of the route's scope: an open
 * stream holds them all (10,000 open streams).
 */
class QueryStream {
  run: RunHandle | undefined;
  left = false;
  queuedAhead: (ahead: number) => void = ignore;
  queueFailed: (error: unknown) => void = ignore;
  /**
   * Takes a queued run out of the queue when its record cannot be stored (it is answered 503), or
   * when its client leaves (not with "continue": a queued run then keeps its place). Made only for
   * a run that has to wait: an AbortSignal held by every open stream costs ~0.75 KB each.
   */
  private unqueue: AbortController | undefined;
  private unqueued = false;

  constructor(
    private readonly metrics: Metrics,
    readonly keepOnLeave: boolean,
  ) {}

  unqueueNow(): void {
    this.unqueued = true;
    this.unqueue?.abort();
  }

  unqueueSignal(): AbortSignal {
    this.unqueue ??= new AbortController();
    if (this.unqueued) this.unqueue.abort();
    return this.unqueue.signal;
  }

  sandboxReady(seconds: number): void {
    if (this.run) this.metrics.sandboxAcquired({ sandbox: this.run.sandboxProvider, seconds });
  }

  /** "continue": the run goes on without this client; GET /runs/:id/events re-attaches. */
  clientLeft(): void {
    this.left = true;
    if (!this.keepOnLeave) this.run?.cancel("the client disconnected");
  }
}

/**
 * Writes the run's events until they end or the client leaves. Reads chained by `then`, not a
 * `for await` loop: an open stream then holds no suspended async frame while its run is quiet.
 * As `for await` does, the iterator is returned (the reader detached) when the loop stops early.
 */
function relayEvents(stream: SseStream, run: RunHandle): Promise<void> {
  const batches = run.events.batches()[Symbol.asyncIterator]();
  return new Promise<void>((resolve, reject) => {
    const write = (batch: IteratorResult<RunEvent[]>): void => {
      if (batch.done) {
        resolve();
        return;
      }
      writeEvents(stream, batch.value).then(
        (open) => {
          if (open) {
            batches.next().then(write, reject);
            return;
          }
          void batches.return?.();
          resolve();
        },
        (error: unknown) => {
          void batches.return?.();
          reject(error);
        },
      );
    };
    batches.next().then(write, reject);
  });
}

/**
 * Starts a validated request's run and answers with its stream; refusals before the queue are
 * thrown. `opening` frames go first, unnumbered (upstream's `session_created`).
 */
export async function streamQuery(
  c: Context,
  deps: QueryRouteDeps,
  request: QueryRequest,
  opening: readonly SessionEvent[] = [],
): Promise<Response> {
  // Known before the slot, so a queued client already has it.
  const runId = deps.runs.newRunId?.() ?? `run_${randomUUID()}`;
  const query = new QueryStream(deps.metrics, request.onDisconnect === "continue");
  const queued = new Promise<number>((resolve, reject) => {
    query.queuedAhead = resolve;
    query.queueFailed = reject;
  });
  if (!query.keepOnLeave) onClientGone(c, () => query.unqueueNow());
  const starting = startQuery(
    request,
    { ...deps.runs, newRunId: () => runId },
    {
      traceContext: requestTraceContext(c),
      // "continue": a queued run keeps its place when its client leaves.
      admit: (queuedRun) => {
        // A run that could not be recorded is refused up front (503 STORE_UNAVAILABLE).
        refuseWhileStoreDown(deps.runs.store);
        return admitRun(
          deps.slots,
          deps.metrics,
          deps.isDraining,
          () => query.unqueueSignal(),
          // Answered before its slot, so recorded first: its client may ask about it at once.
          (ahead) =>
            queuedRun.record().then(
              () => query.queuedAhead(ahead),
              (error: unknown) => {
                query.queueFailed(error);
                query.unqueueNow();
              },
            ),
        );
      },
      onSandboxReady: (seconds) => query.sandboxReady(seconds),
    },
  );
  // Refusals before the queue (bad plan, full queue, a record the store could not take) still
  // answer as JSON errors: nothing is sent before the run's record is stored.
  starting.catch(() => undefined); // awaited in the stream below when queued
  queued.catch(() => undefined);
  const first = await Promise.race([starting, queued]);
  if (typeof first !== "number") {
    // Never queued: `queued` stays pending, and its race and catch reactions with it, for as long
    // as anything holds its resolvers. Dropped, so an open stream keeps none of them.
    query.queuedAhead = ignore;
    query.queueFailed = ignore;
  }
  const { heartbeatMs, metrics } = deps;
  return streamRunEvents(c, { runId, heartbeatMs, metrics }, (stream) => {
    stream.onAbort(() => query.clientLeft());
    if (typeof first === "number" || opening.length > 0) {
      return openThenRelay(stream, deps, query, { runId, first, starting, opening });
    }
    // The usual stream (its run started at once, nothing before its events) is its relay itself:
    // an async body would hold one more promise and its resolvers for as long as the run is open.
    try {
      query.run = first;
      observeRun(deps.metrics, first);
      return relayEvents(stream, first);
    } catch (error) {
      return Promise.reject(error);
    }
  });
}

/** A stream with frames before its events: `opening` ones, and `queued` while it waits its turn. */
async function openThenRelay(
  stream: SseStream,
  deps: QueryRouteDeps,
  query: QueryStream,
  opened: {
    runId: string;
    first: RunHandle | number;
    starting: Promise<RunHandle>;
    opening: readonly SessionEvent[];
  },
): Promise<void> {
  const { runId, first, starting, opening } = opened;
  for (const event of opening) await writeUnnumbered(stream, event);
  if (typeof first === "number") {
    await writeUnnumbered(stream, {
      type: "system",
      subtype: "queued",
      runId,
      content: `queued: waiting for a free run slot (${first} ahead)`,
    });
    try {
      query.run = await starting;
    } catch (error) {
      // Refused in the queue (timed out, client gone, session busy): the stream says why.
      const code = SandcasterError.isInstance(error) ? error.code : "INTERNAL";
      const content = error instanceof Error ? error.message : String(error);
      await writeUnnumbered(stream, { type: "error", code, content });
      return;
    }
    observeRun(deps.metrics, query.run);
    if (query.left && !query.keepOnLeave) query.run.cancel("the client disconnected");
  } else {
    query.run = first;
    observeRun(deps.metrics, first);
  }
  // The events end with the run's end, before its sandbox is removed: the response finishes
  // then. The run keeps its slot and stays tracked (shutdown waits for it) until `done`.
  return relayEvents(stream, query.run);
}
