// The same relay as unix-relay.ts, as a script to run inside a sandbox with no network:
// `node relay.mjs /run/sandcaster/gateway.sock` listens on 127.0.0.1 (a free port) and prints it.
import { connect, createServer } from "node:net";

const socketPath = process.argv[2];
const server = createServer((client) => {
  const upstream = connect(socketPath);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", end);
  upstream.on("error", end);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
