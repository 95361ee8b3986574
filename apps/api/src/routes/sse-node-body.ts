// An SSE body written straight to Node's ServerResponse: no web ReadableStream, controller,
// reader and pending read per open stream, nor @hono/node-server's read loop over them (~2.5 KB of
// heap each). The head goes out once every middleware has had its say (startNodeSseBodies, the
// app's outermost middleware); what is written before waits for it.
import type { ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import type { SseStream } from "./sse-body.js";
import { SseBodyState } from "./sse-body-state.js";

/** Tells @hono/node-server the route answers on the socket itself. */
export const ALREADY_SENT_HEADER = "x-hono-already-sent";

const bodies = new WeakMap<Context, NodeSseBody>();
/** Requests that passed startNodeSseBodies: only their head is sure to be sent. */
const starters = new WeakSet<Context>();

/** The Node response to write `c`'s event stream to, when it can be written directly. */
export function directResponse(c: Context): ServerResponse | undefined {
  if (!starters.has(c)) return undefined;
  return (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
}

export class NodeSseBody extends SseBodyState implements SseStream {
  private closed = false;
  private started = false;
  /** A drain listener is waiting for the socket to take what was written. */
  private draining = false;
  /** Written before the head went out. */
  private early = "";

  constructor(
    private readonly outgoing: ServerResponse,
    c: Context,
  ) {
    super();
    bodies.set(c, this);
    // After end() the response closes too: only a close before its end is the client leaving.
    // `on`, not `once` (a response closes once): once's wrapper and bound function cost ~0.2 KB
    // for as long as the stream is open.
    outgoing.on("close", () => {
      if (!outgoing.writableFinished) this.abort();
      this.release();
    });
  }

  /** Whether the socket took everything written (a heartbeat may go out without queueing up). */
  get idle(): boolean {
    return this.started && !this.closed && !this.aborted && this.outgoing.writableLength === 0;
  }

  async write(text: string): Promise<void> {
    if (this.aborted || this.closed) return;
    if (!this.started) {
      this.early += text;
      return;
    }
    if (this.outgoing.write(text)) return;
    // Listened to only while a writer waits: an idle stream holds no drain listener.
    if (!this.draining) {
      this.draining = true;
      this.outgoing.once("drain", () => {
        this.draining = false;
        this.release();
      });
    }
    await this.waitForRoom();
  }

  /** Sends the head (the response as the middleware left it), then what was written so far. */
  start(response: Response): void {
    if (this.started || this.aborted) return;
    this.started = true;
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (name !== ALREADY_SENT_HEADER) headers[name] = value;
    });
    this.outgoing.writeHead(response.status, headers);
    // The client learns of the stream at once, even before its first event.
    this.outgoing.flushHeaders();
    if (this.early) this.outgoing.write(this.early);
    this.early = "";
    if (this.closed) this.outgoing.end();
  }

  /** What was written before the head is dropped with the client. */
  protected override abort(): void {
    this.early = "";
    super.abort();
  }

  /** Ends the body after what was written; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.started && !this.aborted) this.outgoing.end();
    this.release();
  }
}

/**
 * `response` as the platform's Response. @hono/node-server replaces the global Response with a
 * lighter one (the platform's is its prototype) that it writes out from its own fields, without
 * looking for ALREADY_SENT_HEADER: only the platform's lets the route answer on the socket.
 */
export function alreadySentResponse(response: Response): Response {
  const parent: unknown = Object.getPrototypeOf(Response);
  const Platform =
    typeof parent === "function" && parent.name === "Response"
      ? (parent as typeof Response)
      : Response;
  if (response instanceof Platform && response.constructor === Platform) return response;
  return new Platform(null, { status: response.status, headers: response.headers });
}

/**
 * The app's outermost middleware: once the others are done with the response (headers added after
 * the route, such as CORS's Vary), a route's NodeSseBody sends its head.
 */
export function startNodeSseBodies(): MiddlewareHandler {
  return async function startNodeSseBodies(c, next) {
    starters.add(c);
    await next();
    bodies.get(c)?.start(c.res);
  };
}
