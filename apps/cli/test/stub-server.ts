// A stand-in server for what a real one never does on purpose: hostile artifact paths, a cancel
// that never answers, refusals, an older server's events and run listing. Speaks just enough of
// POST /query (and POST /agents/:name/invoke, the same stream), POST /runs/:id/cancel, and (with
// `olderRuns`) GET /runs and /runs/:id as a server before `idPrefix` did.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunRecord, SandcasterEvent } from "@sandcaster/protocol";

export interface StubServer {
  url: string;
  /** "METHOD /path" of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

export interface StubOptions {
  /** Sent on POST /query; the stream then ends, unless `hang`. */
  events?: SandcasterEvent[];
  hang?: boolean;
  /** Answer POST /query with this status and JSON error instead. */
  refuse?: { status: number; error: string };
  /** Never answer POST /runs/:id/cancel. */
  cancelHangs?: boolean;
  /**
   * GET /runs lists these (one page) and GET /runs/:id finds them by exact id; an `idPrefix`
   * parameter is refused as an older server's strict query string refuses it.
   */
  olderRuns?: RunRecord[];
}

export async function startStubServer(options: StubOptions): Promise<StubServer> {
  const requests: string[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    const streamed = req.url === "/query" || /^\/agents\/[\w-]+\/invoke$/.test(req.url ?? "");
    if (req.method === "POST" && streamed) {
      if (options.refuse) {
        res.writeHead(options.refuse.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: options.refuse.error, code: "INVALID_REQUEST" }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "x-run-id": "run_stub" });
      (options.events ?? []).forEach((event, i) => {
        res.write(`id: ${i + 1}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      });
      if (options.hang) open.add(res);
      else res.end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://stub");
    if (req.method === "GET" && options.olderRuns && url.pathname.startsWith("/runs")) {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      const run = options.olderRuns.find((r) => `/runs/${r.id}` === url.pathname);
      if (url.pathname !== "/runs")
        json(run ? 200 : 404, run ?? { error: "no such run", code: "NOT_FOUND" });
      else if (url.searchParams.has("idPrefix"))
        json(400, {
          error: "invalid query: idPrefix",
          code: "INVALID_REQUEST",
          details: [{ field: "idPrefix", message: "unknown query parameter" }],
        });
      else json(200, options.olderRuns);
      return;
    }
    if (req.method === "POST" && req.url === "/runs/run_stub/cancel") {
      if (options.cancelHangs) open.add(res);
      else
        res.writeHead(202, { "content-type": "application/json" }).end('{"status":"cancelling"}');
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
