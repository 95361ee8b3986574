// A TCP proxy in front of the server: cut its connections (both ends see it) or stall them (neither does).
import { connect, createServer, type Socket } from "node:net";

interface Pair {
  client: Socket;
  upstream: Socket;
  stalled: boolean;
}

export interface TcpProxy {
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Destroys every open connection, client and server side: a network cut both ends notice. */
  cut(): void;
  /**
   * Stops passing server bytes to the client on every open connection and keeps the server side
   * open even after the client leaves: a dead path the server does not notice (as behind a balancer).
   */
  stall(): void;
  /** Refuses new connections from now on. */
  refuse(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<Pair>();
  let accepted = 0;
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = connect(Number(port), hostname);
    const pair: Pair = { client, upstream, stalled: false };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      if (!pair.stalled) {
        upstream.destroy();
        pairs.delete(pair);
      }
    };
    for (const socket of [client, upstream]) {
      socket.on("error", drop);
      socket.on("close", drop);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no proxy address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    get connections() {
      return accepted;
    },
    cut() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    stall() {
      for (const pair of pairs) {
        pair.stalled = true;
        // Both directions: a client's FIN passed on would tell the server the client left.
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        pair.upstream.pause();
      }
    },
    refuse() {
      refusing = true;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
