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
   * Stops accepting connections, lets running runs finish for `graceMs`, then cancels the rest
   * (their sandboxes are destroyed) and closes every connection. Idempotent.
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
              const closed = new Promise<void>((done) => server.close(() => done()));
              if (!(await activeRuns.waitIdle(graceMs))) {
                logger.warn({ activeRuns: activeRuns.size }, "grace period over: cancelling runs");
                activeRuns.cancelAll("the server is shutting down");
                await activeRuns.waitIdle(CANCEL_WAIT_MS);
              }
              if ("closeAllConnections" in server) server.closeAllConnections();
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
