// Connect protocol (JSON codec) framing for the envd double: unary replies, errors, stream envelopes.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Connect error codes by name, as they travel in JSON error bodies. */
export type ConnectCode =
  | "canceled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "unauthenticated";

const HTTP_STATUS: Record<ConnectCode, number> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  unauthenticated: 401,
};

/** An error a handler throws to answer with a Connect error instead of a result. */
export class ConnectRpcError extends Error {
  constructor(
    readonly code: ConnectCode,
    message: string,
  ) {
    super(message);
    this.name = "ConnectRpcError";
  }
}

export const END_STREAM_FLAG = 0x02;

/** One envelope: flags byte, big-endian uint32 length, then the JSON message. */
export function encodeEnvelope(flags: number, message: unknown): Buffer {
  const data = Buffer.from(JSON.stringify(message), "utf8");
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

/** The messages of an enveloped request body (a server-streaming call carries exactly one). */
export function decodeEnvelopes(body: Buffer): unknown[] {
  const messages: unknown[] = [];
  let offset = 0;
  while (offset + 5 <= body.length) {
    const length = body.readUInt32BE(offset + 1);
    const data = body.subarray(offset + 5, offset + 5 + length);
    messages.push(data.length === 0 ? {} : JSON.parse(data.toString("utf8")));
    offset += 5 + length;
  }
  if (offset !== body.length) throw new ConnectRpcError("invalid_argument", "truncated envelope");
  return messages;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function sendUnary(res: ServerResponse, message: unknown): void {
  const body = JSON.stringify(message);
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendUnaryError(
  res: ServerResponse,
  code: ConnectCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(HTTP_STATUS[code], {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** The Connect code a handler would use for an HTTP status (the inverse of Connect's table). */
export function connectCodeForStatus(status: number): ConnectCode {
  const exact = (Object.keys(HTTP_STATUS) as ConnectCode[]).find((c) => HTTP_STATUS[c] === status);
  if (exact) return exact;
  if (status === 408) return "deadline_exceeded";
  if (status === 502) return "unavailable";
  return "unknown";
}

/** A server stream: messages as they come, then exactly one end-of-stream envelope. */
export class ConnectStream {
  private ended = false;

  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { "content-type": "application/connect+json" });
    res.flushHeaders();
  }

  get open(): boolean {
    return !this.ended && !this.res.destroyed && !this.res.writableEnded;
  }

  send(message: unknown): void {
    if (this.open) this.res.write(encodeEnvelope(0, message));
  }

  end(error?: { code: ConnectCode; message: string }): void {
    if (!this.open) return;
    this.ended = true;
    this.res.end(encodeEnvelope(END_STREAM_FLAG, error ? { error } : {}));
  }

  /** Drops the connection mid-stream, as when the sandbox behind the proxy dies. */
  cut(): void {
    this.ended = true;
    this.res.socket?.destroy();
    this.res.destroy();
  }
}
