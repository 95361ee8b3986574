// A test host's servers, run inside its network namespace (`ip netns exec NS node host-server.mjs`):
// HTTP on :80 and HTTPS on :443 of the namespace's address. Each answer is JSON naming the server,
// the scheme and what was asked, so a test checks content, not just a status. Every accepted
// connection is announced on stdout, so a test can prove a refused one never arrived.
// It exits when its stdin closes: a test runner that dies cannot leave it behind.
import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";

const config = JSON.parse(process.env.SANDCASTER_NETNS_SERVER ?? "{}");

function say(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function handler(scheme) {
  return (req, res) => {
    const body = JSON.stringify({
      server: config.name,
      scheme,
      method: req.method,
      path: req.url,
      host: req.headers.host ?? null,
      via: req.headers["proxy-authorization"] ? "leaked-proxy-authorization" : null,
    });
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  };
}

function announce(scheme) {
  return (socket) => say({ connection: scheme, from: socket.remoteAddress });
}

const http = createServer(handler("http"));
http.on("connection", announce("http"));
const https = createTlsServer({ cert: config.cert, key: config.key }, handler("https"));
https.on("connection", announce("https"));

let listening = 0;
for (const [server, port] of [
  [http, 80],
  [https, 443],
]) {
  server.listen(port, config.address, () => {
    listening++;
    if (listening === 2) say({ ready: true });
  });
}

process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
