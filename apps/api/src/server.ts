// Runs the app on node's HTTP server and shuts it down gracefully: drain, wait, cancel, close.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { ActiveRuns } from "@sandcaster/core";
import type { Hono } from "hono";
import type { Logger } from "pino";

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Drains: keeps listening (so /ready answers 503 and /query 503 SHUTTING_DOWN, as load balancers
   * expect) while running runs get up to `graceMs` to finish, then cancels the rest (their sandboxes
   * are destroyed), stops listening and closes every connection. Idempotent.
   */
  shutdown(graceMs?: number): Promise<void>;
}

export interface ServerOptions {
  app: Hono;
  host: string;
  port: number;
  logger: Logger;
  activeRuns: ActiveRuns;
  /** Called first thing on shutdown: new /query requests then get 503. */
  onDrain?: () => void;
}

/** Time cancelled runs get to destroy their sandboxes before connections are cut. */
const CANCEL_WAIT_MS = 15_000;
/** Time open streams get to write their runs' last events once the runs are over. */
const FLUSH_WAIT_MS = 5_000;

export function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger, activeRuns } = options;
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: options.app.fetch, hostname: options.host, port: options.port },
      (info: AddressInfo) => {
        const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
        const url = `http://${host}:${info.port}`;
        logger.info({ url }, "sandcaster listening");
        let stopping: Promise<void> | undefined;
        resolve({
          url,
          port: info.port,
          shutdown(graceMs = 30_000) {
            stopping ??= (async () => {
              options.onDrain?.();
              logger.info({ activeRuns: activeRuns.size, graceMs }, "shutting down: draining");
              if (!(await activeRuns.waitIdle(graceMs))) {
                logger.warn({ activeRuns: activeRuns.size }, "grace period over: cancelling runs");
                activeRuns.cancelAll("the server is shutting down");
                await activeRuns.waitIdle(CANCEL_WAIT_MS);
              }
              const closed = new Promise<void>((done) => server.close(() => done()));
              // Streams of ended runs are still writing their last events: let them finish
              // (briefly), then cut whatever is left (followers of runs on other instances).
              if ("closeIdleConnections" in server) server.closeIdleConnections();
              const flushed = await Promise.race([
                closed.then(() => true),
                new Promise<boolean>((done) => setTimeout(() => done(false), FLUSH_WAIT_MS)),
              ]);
              if (!flushed && "closeAllConnections" in server) server.closeAllConnections();
              await closed;
              logger.info("shut down");
            })();
            return stopping;
          },
        });
      },
    );
    server.once("error", reject);
  });
}
