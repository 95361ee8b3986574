// Plain HTTP through the proxy (`GET http://host/path`): checked like CONNECT, then sent on a fresh
// connection to the checked address (one request per connection, so no pooled socket can carry a
// request to a host other than the one checked) and the answer streamed back.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { parseRequestTarget } from "./destination.js";
import { DENIED_HEADER, type ProxyContext, refusalBody, start } from "./proxy-context.js";

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus the proxy's own. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** rawHeaders without hop-by-hop ones and those the Connection header names, as [name, value]. */
function endToEnd(raw: readonly string[], also: ReadonlySet<string> = new Set()): string[] {
  const connection = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === "connection") {
      for (const token of (raw[i + 1] ?? "").split(",")) connection.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? "";
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connection.has(lower) || also.has(lower)) continue;
    out.push(name, raw[i + 1] ?? "");
  }
  return out;
}

function refuse(res: ServerResponse, status: number, message: string, denied: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    ...(denied ? { [DENIED_HEADER]: "EGRESS_DENIED" } : {}),
    connection: "close",
  });
  res.end(refusalBody(message, denied));
}

export function forwardRequest(
  context: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const rawTarget = req.url ?? "";
  const started = start(context, parseRequestTarget(rawTarget, req.headers.host), rawTarget);
  if (!started.ok) {
    req.resume();
    refuse(res, started.status, started.message, started.denied);
    return;
  }
  const { destination, release } = started;
  res.once("close", release);

  void context.admit(destination).then((admission) => {
    if (!admission.ok) {
      if (admission.denial) context.denied(destination.host, admission.denial);
      release();
      req.resume();
      refuse(res, admission.status, admission.message, admission.denial !== undefined);
      return;
    }
    const socket = admission.socket;
    if (res.destroyed || context.closed) {
      socket.destroy();
      release();
      return;
    }
    context.track(socket);
    const { host, port, path } = destination;
    const authority = `${host.includes(":") ? `[${host}]` : host}${port === 80 ? "" : `:${port}`}`;
    const headers = [...endToEnd(req.rawHeaders, new Set(["host"])), "Host", authority];
    headers.push("Connection", "close");
    const upstream = httpRequest({
      method: req.method ?? "GET",
      path: path ?? "/",
      headers,
      setHost: false,
      createConnection: () => socket,
      maxHeaderSize: context.limits.maxResponseHeaderBytes,
    });
    socket.setTimeout(context.limits.idleTimeoutMs, () =>
      upstream.destroy(new Error(`${host}:${port} was idle too long`)),
    );
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
      answer.pipe(res);
    });
    upstream.on("error", (error) => {
      refuse(res, 502, `${host}:${port}: ${error.message}`, false);
      socket.destroy();
    });
    res.once("close", () => {
      upstream.destroy();
      socket.destroy();
    });
    req.pipe(upstream);
  });
}
