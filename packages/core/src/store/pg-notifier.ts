// PostgreSQL LISTEN/NOTIFY wake-ups for run watchers, with reconnects and a polling safety net.
import type pg from "pg";
import { loadPg } from "./pg-module.js";
import {
  consoleRunStoreLogger,
  type RunNotifier,
  type RunStoreLogger,
  WakeHub,
} from "./run-notifier.js";

/** The channel every instance LISTENs on; the payload is the run id. */
export const RUN_CHANNEL = "sandcaster_runs";
/** The listener's application_name, so it can be told apart in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = "sandcaster-run-listener";

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

export interface PgNotifierOptions {
  /** For the dedicated LISTEN connection. */
  connectionString: string;
  /** For pg_notify(). */
  pool: pg.Pool;
  logger?: RunStoreLogger | undefined;
  /** While listening, every watcher still wakes this often, in case a notification was lost. Default 5000. */
  safetyTickMs?: number | undefined;
  /** While the LISTEN connection is down, every watcher wakes this often. Default 500. */
  downPollMs?: number | undefined;
}

/**
 * notify() is `select pg_notify('sandcaster_runs', runId)` (plus an immediate local wake-up); one
 * pg.Client, opened on the first watch, LISTENs and fans notifications out to that run's watchers.
 * A lost connection is logged and reopened with backoff while watchers poll; on every (re)connect
 * all watchers wake, since notifications sent meanwhile are gone.
 */
export function createPgNotifier(options: PgNotifierOptions): RunNotifier {
  const logger = options.logger ?? consoleRunStoreLogger;
  const safetyTickMs = Math.max(1, options.safetyTickMs ?? 5000);
  const downPollMs = Math.max(1, options.downPollMs ?? 500);
  let client: pg.Client | undefined;
  let listening = false;
  let started = false;
  let closed = false;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let tickTimer: NodeJS.Timeout | undefined;

  const hub = new WakeHub((count) => {
    if (count > 0 && !started && !closed) {
      started = true;
      void connect();
    }
    // Only on the first watcher and after the last, so that watchers coming and going never
    // postpone everybody's tick.
    if (count === 0 || tickTimer === undefined) schedule();
  });

  /** (Re)arms the tick for the current state; none while nobody watches. */
  function schedule(): void {
    if (tickTimer !== undefined) clearTimeout(tickTimer);
    tickTimer = undefined;
    if (closed || hub.size === 0) return;
    tickTimer = setTimeout(
      () => {
        hub.wakeAll();
        schedule();
      },
      listening ? safetyTickMs : downPollMs,
    );
    tickTimer.unref();
  }

  async function connect(): Promise<void> {
    reconnectTimer = undefined;
    if (closed) return;
    const next = new (loadPg().Client)({
      connectionString: options.connectionString,
      application_name: LISTENER_APPLICATION_NAME,
      keepAlive: true,
    });
    client = next;
    next.on("notification", (message) => {
      if (message.channel === RUN_CHANNEL && message.payload) hub.wake(message.payload);
    });
    next.on("error", (error) => lost(next, error));
    next.on("end", () => lost(next, new Error("connection ended")));
    try {
      await next.connect();
      await next.query(`LISTEN ${RUN_CHANNEL}`);
    } catch (error) {
      lost(next, error);
      return;
    }
    if (client !== next) return;
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    if (failures > 0) {
      (logger.info ?? logger.warn).call(
        logger,
        { failures },
        "run store: listening to PostgreSQL again",
      );
    }
    failures = 0;
    listening = true;
    schedule();
    hub.wakeAll();
  }

  function lost(which: pg.Client, error: unknown): void {
    if (client !== which) return;
    const wasListening = listening;
    client = undefined;
    listening = false;
    which.end().catch(() => {});
    if (closed) return;
    const delayMs = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(failures, 10));
    failures++;
    if (failures === 1 || failures % 10 === 0) {
      logger.warn(
        {
          err: error instanceof Error ? error.message : String(error),
          retryInMs: delayMs,
          failures,
        },
        "run store: the PostgreSQL LISTEN connection is down; watchers poll until it is back",
      );
    }
    if (wasListening) schedule();
    reconnectTimer = setTimeout(() => void connect(), delayMs);
    reconnectTimer.unref();
  }

  return {
    async notify(runId: string) {
      hub.wake(runId);
      if (closed) return;
      try {
        await options.pool.query("select pg_notify($1, $2)", [RUN_CHANNEL, runId]);
      } catch (error) {
        // Best effort: other instances still see the change on their next tick.
        logger.warn(
          { runId, err: error instanceof Error ? error.message : String(error) },
          "run store: pg_notify failed",
        );
      }
    },
    async notifyMany(runIds: readonly string[]) {
      for (const runId of runIds) hub.wake(runId);
      if (closed || runIds.length === 0) return;
      try {
        await options.pool.query("select pg_notify($1, id) from unnest($2::text[]) as id", [
          RUN_CHANNEL,
          runIds,
        ]);
      } catch (error) {
        logger.warn(
          { runs: runIds.length, err: error instanceof Error ? error.message : String(error) },
          "run store: pg_notify failed",
        );
      }
    },
    watch(runId: string, signal: AbortSignal) {
      return hub.watch(runId, closed ? AbortSignal.abort() : signal);
    },
    subscribe(runId: string, onWake: () => void) {
      return closed ? () => {} : hub.subscribe(runId, onWake);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      if (tickTimer !== undefined) clearTimeout(tickTimer);
      hub.endAll();
      const last = client;
      client = undefined;
      listening = false;
      await last?.end().catch(() => {});
    },
  };
}
