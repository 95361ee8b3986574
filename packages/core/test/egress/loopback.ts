// A loopback upstream for the egress proxy tests, and raw clients for the proxy's socket.
import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { expect } from "vitest";

export interface LoopbackUpstream {
  port: number;
  /** What reached the upstream, in order: a refused request must never appear. */
  seen: { path: string | undefined; headers: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** Answers JSON naming the path and Host; `/hang` never answers (for idle bounds). */
export async function startLoopbackUpstream(): Promise<LoopbackUpstream> {
  const seen: LoopbackUpstream["seen"] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url, headers: req.headers });
    if (req.url === "/hang") return;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ server: "loopback", path: req.url, host: req.headers.host }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A CONNECT straight to the socket; resolves with the status and the (open) socket. */
export function rawConnect(
  socketPath: string,
  target: string,
  headers: Record<string, string> = {},
) {
  return new Promise<{ status: number; socket: Socket; body: string }>((resolve, reject) => {
    const req = request({ socketPath, method: "CONNECT", path: target, headers });
    req.once("connect", (res, socket, head) => {
      resolve({ status: res.statusCode ?? 0, socket, body: head.toString() });
    });
    req.once("response", (res) =>
      resolve({ status: res.statusCode ?? 0, socket: res.socket, body: "" }),
    );
    req.once("error", reject);
    req.end();
  });
}

/** A plain request straight to the socket with the given request target. */
export function rawRequest(socketPath: string, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

/** Bounded polling of a counter the proxy updates on a socket's 'close' (5 s at most). */
export async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}
