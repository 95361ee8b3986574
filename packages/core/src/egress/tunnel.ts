// CONNECT host:port: checked by host name and resolved address, then a byte tunnel to the checked
// address. TLS stays end to end between the agent's tool and the destination; the proxy sees
// only the name it was asked for, which is what the policy is written in.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { parseAuthority } from "./destination.js";
import {
  DENIED_HEADER,
  type ProxyContext,
  refusalBody,
  start,
  statusLine,
} from "./proxy-context.js";

function reply(client: Duplex, status: number, message: string, denied: boolean): void {
  const body = refusalBody(message, denied);
  const headers = [
    statusLine(status),
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(denied ? [`${DENIED_HEADER}: EGRESS_DENIED`] : []),
    "Connection: close",
  ];
  client.end(`${headers.join("\r\n")}\r\n\r\n${body}`);
}

function idleAfter(stream: Duplex, ms: number, onIdle: () => void): void {
  const socket = stream as Partial<Socket>;
  if (typeof socket.setTimeout === "function") socket.setTimeout(ms, onIdle);
}

export function openTunnel(
  context: ProxyContext,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): void {
  // The client may vanish at any point; its errors end the tunnel, never the server.
  client.on("error", () => client.destroy());
  const rawTarget = req.url ?? "";
  const started = start(context, parseAuthority(rawTarget), rawTarget);
  if (!started.ok) {
    reply(client, started.status, started.message, started.denied);
    return;
  }
  const { destination, release } = started;
  context.track(client);
  idleAfter(client, context.limits.idleTimeoutMs, () => client.destroy());
  client.once("close", release);

  void context.admit(destination).then((admission) => {
    if (!admission.ok) {
      if (admission.denial) context.denied(destination.host, admission.denial);
      release();
      reply(client, admission.status, admission.message, admission.denial !== undefined);
      return;
    }
    const upstream = admission.socket;
    if (client.destroyed || context.closed) {
      upstream.destroy();
      release();
      return;
    }
    context.track(upstream);
    const end = () => {
      release();
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", end);
    upstream.once("close", end);
    client.once("close", end);
    idleAfter(upstream, context.limits.idleTimeoutMs, end);
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
}
