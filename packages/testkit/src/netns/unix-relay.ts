// A loopback TCP port that relays every connection to a Unix socket, as the runner's relay does
// inside a sandbox: lets curl and HTTPS_PROXY-aware clients use a proxy served on a socket.
import { createServer, connect as netConnect, type Socket } from "node:net";

export interface LoopbackRelay {
  /** `http://127.0.0.1:<port>`: the value for HTTPS_PROXY / curl -x. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends every relayed connection. */
  close(): Promise<void>;
}

export function startLoopbackRelay(socketPath: string): Promise<LoopbackRelay> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = netConnect(socketPath);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once("close", () => open.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
