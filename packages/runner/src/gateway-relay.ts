// The runner's way to the host's model gateway when it is a Unix socket: a loopback TCP port that
// pipes every connection to the socket, so the SDKs and the agent's tools need only a URL.
import { connect, createServer, type Socket } from "node:net";

export interface GatewayRelay {
  /** `http://127.0.0.1:<port>`: the SDKs' base (plus `/<provider>`) and the tools' HTTP proxy. */
  origin: string;
  close(): void;
}

export function startGatewayRelay(socketPath: string): Promise<GatewayRelay> {
  const open = new Set<Socket>();
  const server = createServer({ noDelay: true }, (client) => {
    const upstream = connect(socketPath);
    open.add(client);
    const done = () => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", done).on("close", done);
    upstream.on("error", done).on("close", done);
    // pipe() carries backpressure both ways; a streaming answer flows as it arrives.
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close() {
          server.close();
          for (const socket of open) socket.destroy();
        },
      });
    });
  });
}
