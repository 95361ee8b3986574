// A pre-booted runner's idle warm-up of Node's fetch: its first call loads undici and compiles
// its WASM HTTP parser, which would otherwise delay the run's first model request. One request to
// a throwaway server on this process's own loopback (no network needed, nothing of any run sent).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export async function warmFetch(): Promise<void> {
  const server = createServer((_request, response) => response.end("ok"));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address() as AddressInfo;
    await (await fetch(`http://127.0.0.1:${port}/`)).text();
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
