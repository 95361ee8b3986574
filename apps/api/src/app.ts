// createApp(deps): the Hono application with every route, auth, limits and one error handler.
import {
  type ActiveRuns,
  type AgentService,
  gatewayExtension,
  type ProviderSelector,
  type RunExtension,
  type RunServices,
  RunSlots,
  type RunStore,
  type SandboxProvider,
  type SessionService,
  sharedGatewayRegistry,
  type TemplateService,
  type Tracing,
  type WarmPool,
} from "@sandcaster/core";
import { type Context, Hono } from "hono";
import { except } from "hono/combine";
import type { Logger } from "pino";
import { toHttpError } from "./http-error.js";
import { createMetrics, type Metrics } from "./metrics/index.js";
import { bearerAuth } from "./middleware/bearer-auth.js";
import { bodyLimit } from "./middleware/body-limit.js";
import { corsFor } from "./middleware/cors.js";
import { hostCheck } from "./middleware/host-check.js";
import { requestLog } from "./middleware/request-log.js";
import { streamTokens } from "./middleware/stream-token.js";
import { agentsRoute } from "./routes/agents.js";
import { cancelRunRoute } from "./routes/cancel-run.js";
import { consoleRoute } from "./routes/console.js";
import { gatewayRoute } from "./routes/gateway.js";
import { healthRoute } from "./routes/health.js";
import { metricsRoute } from "./routes/metrics.js";
import { openApiRoute } from "./routes/openapi.js";
import { pipelinesRoute } from "./routes/pipelines.js";
import { queryRoute } from "./routes/query.js";
import { readyRoute } from "./routes/ready.js";
import { runEventsRoute } from "./routes/run-events.js";
import { runsRoute } from "./routes/runs.js";
import { isWorkspaceUpload, sessionsRoute } from "./routes/sessions.js";
import { startNodeSseBodies } from "./routes/sse-node-body.js";
import { streamTokenRoute } from "./routes/stream-token.js";
import { templatesRoute } from "./routes/templates.js";
import { upstreamSessionsRoute } from "./routes/upstream-sessions.js";
import { runWebhooksRoute } from "./routes/webhooks.js";
import { e2bWebhookRoute } from "./routes/webhooks-e2b.js";
import { traceRequest } from "./tracing/trace-request.js";

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
  /** Opened for every run after the model gateway's (see core's run-extension.ts). */
  extensions?: readonly RunExtension[];
  /** The egress proxy's resolver and bounds (tests); default: the system's. */
  egress?: Parameters<typeof gatewayExtension>[0]["egress"];
  /** Templates (POST/GET /templates); without it those answer 404. */
  templates?: TemplateService | undefined;
  /** Custom agents (/agents) and the sandbox provider of a template image they run on. */
  agents?:
    | { service: AgentService; providerForImage: (image: string) => SandboxProvider }
    | undefined;
  /** Traces (core's startTracing): request spans, and runs as their children. */
  tracing?: Tracing | undefined;
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
  "/docs",
  "/",
  "/console/*",
  // Remote sandboxes' model calls: authenticated by the run's capability token, not the API key.
  "/gateway/*",
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
  const metrics =
    deps.metrics ??
    createMetrics({
      pools: () => pools.map((pool) => pool.stats()),
      gateway: sharedGatewayRegistry,
    });
  // Every run's model calls go through the host's gateway; its tools' traffic through the proxy.
  const gateway = gatewayExtension({
    config: deps.services.config,
    registry: sharedGatewayRegistry,
    countEgressDenied: (denial) => metrics.egressDenied(denial),
    egress: deps.egress,
  });

  const tokens = streamTokens(deps.apiKey);

  // Outermost: an event stream's head goes out once every other middleware is done with it.
  app.use(startNodeSseBodies());
  if (deps.tracing) app.use(traceRequest(deps.tracing.tracer));
  app.use(requestLog(logger));
  app.use(
    hostCheck({
      apiKey: deps.apiKey,
      allowedHosts: deps.services.config.server.allowedHosts,
      envHosts: deps.env.SANDCASTER_ALLOWED_HOSTS,
    }),
  );
  // Before auth: a preflight carries no Authorization header and must still be answered.
  app.use(corsFor(deps.services.config.cors?.origins ?? []));
  app.use(bearerAuth(deps.apiKey, PUBLIC_PATHS, tokens));
  // Clients' requests only: a workspace upload has its own cap, and a remote sandbox's model calls
  // (a whole conversation, which outgrows a client's limit) the gateway's, as over its socket.
  const ownLimit = (c: Context) => isWorkspaceUpload(c) || c.req.path.startsWith("/gateway/");
  app.use(except(ownLimit, bodyLimit(limit)));

  app.route("/", healthRoute(deps.version));
  app.route(
    "/",
    readyRoute({
      isDraining: deps.isDraining ?? (() => false),
      // Read at every probe: a template's pool joins `pools` once its build is ready.
      checks: () => [
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
        // A provider's own pool holds /ready back until it is full; a template's pool starts
        // whenever its build is ready, so only one that cannot fill fails the probe.
        ...pools.map((pool) => {
          const own = pool.name === "default";
          return {
            name: `pool:${pool.provider.name}${own ? "" : `:${pool.name}`}`,
            check: async () => {
              const problem = pool.problem({ filling: own });
              if (problem) throw new Error(problem);
            },
          };
        }),
      ],
    }),
  );
  app.route("/", metricsRoute(metrics));
  app.route("/", gatewayRoute(sharedGatewayRegistry));
  app.route("/", openApiRoute(deps.version));
  app.route("/", consoleRoute());
  app.route("/", runsRoute(deps.services.store));
  app.route("/", runWebhooksRoute(deps.services.store));
  // Agent runs and pipelines share the run services and the concurrency slots; only agent runs
  // have a model, so only they get the model gateway (pipelines' sandboxes have no network).
  const runRoutes = {
    runs: {
      ...deps.services,
      providers: deps.providers,
      activeRuns: deps.activeRuns,
      env: deps.env,
      sessions: deps.sessions,
      newRunId: deps.newRunId,
      tracing: deps.tracing?.runs,
      templates: deps.templates,
    },
    slots: deps.slots ?? slotsFrom(deps.services.config.limits),
    metrics,
    heartbeatMs: deps.heartbeatMs ?? 15_000,
    isDraining: deps.isDraining ?? (() => false),
  };
  const queryDeps = {
    ...runRoutes,
    runs: { ...runRoutes.runs, extensions: [gateway, ...(deps.extensions ?? [])] },
  };
  // Before sessionsRoute: upstream's POST /sessions (a body with a prompt) is answered here.
  app.route("/", upstreamSessionsRoute(deps.sessions, queryDeps));
  app.route("/", sessionsRoute(deps.sessions, deps.services.store, deps.services.config.sessions));
  app.route("/", streamTokenRoute(deps.services.store, tokens));
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
  app.route("/", queryRoute(queryDeps));
  app.route("/", pipelinesRoute(runRoutes));
  app.route("/", templatesRoute(deps.templates));
  app.route(
    "/",
    agentsRoute({
      // Custom agents call models too: their process reaches the run's gateway (agent-gateway.ts).
      ...queryDeps,
      agents: deps.agents?.service,
      providerForImage: deps.agents?.providerForImage,
    }),
  );

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
