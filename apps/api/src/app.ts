// createApp(deps): the Hono application with every route, auth, limits and one error handler.
import {
  type ActiveRuns,
  type ProviderSelector,
  type RunServices,
  RunSlots,
  type RunStore,
  type SessionService,
  type WarmPool,
} from "@sandcaster/core";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import { HttpError, toHttpError } from "./http-error.js";
import { createMetrics, type Metrics } from "./metrics/index.js";
import { bearerAuth } from "./middleware/bearer-auth.js";
import { requestLog } from "./middleware/request-log.js";
import { cancelRunRoute } from "./routes/cancel-run.js";
import { consoleRoute } from "./routes/console.js";
import { healthRoute } from "./routes/health.js";
import { metricsRoute } from "./routes/metrics.js";
import { openApiRoute } from "./routes/openapi.js";
import { pipelinesRoute } from "./routes/pipelines.js";
import { queryRoute } from "./routes/query.js";
import { readyRoute } from "./routes/ready.js";
import { runEventsRoute } from "./routes/run-events.js";
import { runsRoute } from "./routes/runs.js";
import { sessionsRoute } from "./routes/sessions.js";
import { e2bWebhookRoute } from "./routes/webhooks-e2b.js";

/** A prompt of 1,000,000 characters plus 10 MB of files, base64-encoded, fits. */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export interface AppDeps {
  services: RunServices & { store: RunStore; logger: Logger };
  providers: ProviderSelector;
  activeRuns: ActiveRuns;
  /** Sessions (POST /sessions, `sessionId` on /query); without it those answer 404 / 400. */
  sessions?: SessionService;
  /** Warm pools in front of providers: their trouble makes /ready fail; /metrics shows them. */
  pools?: readonly WarmPool[];
  /** Prometheus metrics; share one across apps in one process (tests). */
  metrics?: Metrics;
  /** Concurrency limit and queue; default from sandcaster.json `limits`. */
  slots?: RunSlots;
  env: Readonly<Record<string, string | undefined>>;
  version: string;
  /** When set, every route but PUBLIC_PATHS needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  bodyLimitBytes?: number;
  /** SANDCASTER_E2B_WEBHOOK_SECRET: enables POST /webhooks/e2b. */
  e2bWebhookSecret?: string | undefined;
  heartbeatMs?: number;
  isDraining?: () => boolean;
  newRunId?: () => string;
}

/**
 * Routes anyone may call: probes, the API description, and the console's page and files (the page
 * asks for the key itself). The E2B webhook authenticates by its signature, not by our API key.
 */
export const PUBLIC_PATHS = [
  "/health",
  "/ready",
  "/webhooks/e2b",
  "/openapi.json",
  "/",
  "/console/*",
] as const;

function slotsFrom(limits: {
  maxConcurrentRuns: number;
  maxQueuedRuns: number;
  queueTimeoutSecs: number;
}) {
  return new RunSlots(
    limits.maxConcurrentRuns,
    limits.maxQueuedRuns,
    limits.queueTimeoutSecs * 1000,
  );
}

export function createApp(deps: AppDeps): Hono {
  const logger = deps.services.logger;
  const limit =
    deps.bodyLimitBytes ?? deps.services.config.limits.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = new Hono();
  const pools = deps.pools ?? [];
  const metrics = deps.metrics ?? createMetrics({ pools: () => pools.map((pool) => pool.stats()) });

  app.use(requestLog(logger));
  app.use(bearerAuth(deps.apiKey, PUBLIC_PATHS));
  app.use(
    bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new HttpError(
          413,
          "PAYLOAD_TOO_LARGE",
          `the request body is larger than ${limit} bytes`,
        );
      },
    }),
  );

  app.route("/", healthRoute(deps.version));
  app.route(
    "/",
    readyRoute({
      isDraining: deps.isDraining ?? (() => false),
      checks: [
        { name: "store", check: () => deps.services.store.ping() },
        {
          name: "sandbox",
          check: async (signal) => {
            const provider = await deps.providers.select(undefined);
            if (!(await provider.isAvailable(signal))) {
              throw new Error(`the ${provider.name} sandbox provider is not available`);
            }
          },
        },
        ...pools.map((pool) => ({
          name: `pool:${pool.provider.name}`,
          check: async () => {
            const problem = pool.problem();
            if (problem) throw new Error(problem);
          },
        })),
      ],
    }),
  );
  app.route("/", metricsRoute(metrics));
  app.route("/", openApiRoute(deps.version));
  app.route("/", consoleRoute());
  app.route("/", runsRoute(deps.services.store));
  app.route("/", sessionsRoute(deps.sessions));
  app.route("/", runEventsRoute(deps.services.store, deps.heartbeatMs ?? 15_000, metrics));
  app.route("/", cancelRunRoute(deps.services.store, deps.activeRuns));
  app.route(
    "/",
    e2bWebhookRoute({
      secret: deps.e2bWebhookSecret,
      store: deps.services.store,
      activeRuns: deps.activeRuns,
      logger,
    }),
  );
  // Agent runs and pipelines share the run services and the concurrency slots.
  const runRoutes = {
    runs: {
      ...deps.services,
      providers: deps.providers,
      activeRuns: deps.activeRuns,
      env: deps.env,
      sessions: deps.sessions,
      newRunId: deps.newRunId,
    },
    slots: deps.slots ?? slotsFrom(deps.services.config.limits),
    metrics,
    heartbeatMs: deps.heartbeatMs ?? 15_000,
    isDraining: deps.isDraining ?? (() => false),
  };
  app.route("/", queryRoute(runRoutes));
  app.route("/", pipelinesRoute(runRoutes));

  app.notFound((c) =>
    c.json({ error: `no route for ${c.req.method} ${c.req.path}`, code: "NOT_FOUND" }, 404),
  );
  // The only place an error becomes a response (routes and core just throw).
  app.onError((error, c) => {
    const known = toHttpError(error);
    if (known) {
      for (const [name, value] of Object.entries(known.headers)) c.header(name, value);
      return c.json(known.body(), known.status);
    }
    logger.error({ err: error, path: c.req.path }, "unhandled error");
    return c.json({ error: "internal server error", code: "INTERNAL" }, 500);
  });
  return app;
}
