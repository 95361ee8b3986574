// `sandcaster serve`: the HTTP server, with an orphan sweep at start and a graceful drain on SIGTERM.
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { createApp, startServer } from "@sandcaster/api";
import {
  createAgentServices,
  createSessionService,
  createWebhookService,
  keepRunsAlive,
  type SessionHost,
  startTracing,
  sweepSessionsPeriodically,
} from "@sandcaster/core";
import { buildServices, sweepOrphans } from "../build-services.js";
import { colourEnabled } from "../terminal/colours.js";
import { VERSION } from "../version.js";
import { banner, chooseLogFormat, serveLogger } from "./serve-output.js";

const HELP = `usage: sandcaster serve [--host 0.0.0.0] [--port 8000] [--config sandcaster.json] [--grace 30]
                        [--log-format pretty|json]

  --host     interface to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --port     port (default 8000, or PORT)
  --config   path to sandcaster.json (default ./sandcaster.json when present, or SANDCASTER_CONFIG)
  --grace    seconds running runs get to finish on SIGTERM before they are cancelled (default 30)
  --log-format  pretty (a banner, then one readable line per entry) or json (one object a line);
             default SANDCASTER_LOG_FORMAT, else pretty on a terminal and json otherwise

Environment: SANDCASTER_API_KEY enables bearer auth; ANTHROPIC_API_KEY, OPENAI_API_KEY,
GOOGLE_API_KEY, OPENROUTER_API_KEY (and *_BASE_URL) reach the agent; SANDCASTER_DB sets the SQLite path.
Sessions: SANDCASTER_INSTANCE_ID (default: the host name) owns this instance's docker/local session
workspaces; SANDCASTER_ADVERTISED_URL (default: the listening address) is what other instances
send clients to (421).`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: process.env.PORT ?? "8000" },
      config: { type: "string" },
      grace: { type: "string", default: "30" },
      "log-format": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = Number(values.port);
  const graceSecs = Number(values.grace);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: not a port: ${values.port}`);
  if (!Number.isFinite(graceSecs) || graceSecs < 0)
    throw new Error(`--grace: not a number of seconds: ${values.grace}`);

  const format = chooseLogFormat(values["log-format"], process.env, process.stdout.isTTY === true);
  const logger = serveLogger(format, colourEnabled(process.stdout, process.env));
  // Off (and the OpenTelemetry SDK not even loaded) unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await startTracing(process.env, { name: "sandcaster", version: VERSION });
  const built = await buildServices({
    configPath: values.config,
    logger,
    warmPools: true,
    templates: true,
  });
  logger.info({ config: built.configSource ?? "(defaults)" }, "config loaded");
  await sweepOrphans(built.providers, logger);
  // Stamps our runs, and marks runs of servers that died (kill -9) as errors.
  const stopKeepingAlive = keepRunsAlive({
    store: built.services.store,
    activeRuns: built.activeRuns,
    heartbeatMs: built.config.runs.heartbeatSecs * 1000,
    staleAfterMs: built.config.runs.staleAfterSecs * 1000,
    logger,
  });
  // docker/local session workspaces belong to this instance; other instances answer 421 with our URL.
  const sessionHost: SessionHost = {
    instanceId: process.env.SANDCASTER_INSTANCE_ID || hostname(),
    advertisedUrl: process.env.SANDCASTER_ADVERTISED_URL || undefined,
  };
  const sessions = createSessionService({
    store: built.services.store,
    providers: built.providers,
    host: sessionHost,
    logger,
  });
  const stopSweepingSessions = sweepSessionsPeriodically(sessions, logger);
  // Run-completion webhooks: off (requests naming one get a 400) until a secret is configured.
  const webhooks = createWebhookService({
    store: built.services.store,
    config: built.config.webhook,
    secret: process.env[built.config.webhook.secretEnv] || undefined,
    instanceId: sessionHost.instanceId,
    logger,
  });
  // Templates and custom agents (/templates, /agents) on docker.
  const agentServices = createAgentServices({
    config: built.config,
    env: process.env,
    logger,
    store: built.services.store,
    templates: built.templates,
  });
  // Builds a stopped server left unfinished are taken over (else they would say `building` forever).
  void agentServices.appDeps.agents?.service.resumeBuilds().then(
    (resumed) => {
      if (resumed > 0) logger.info({ resumed }, "took over agent builds a stopped server left");
    },
    (error: unknown) => logger.error({ err: error }, "could not take over unfinished agent builds"),
  );
  let draining = false;
  const app = createApp({
    services: { ...built.services, webhooks },
    sessions,
    providers: built.providers,
    activeRuns: built.activeRuns,
    pools: built.pools,
    env: process.env,
    version: VERSION,
    apiKey: process.env.SANDCASTER_API_KEY || undefined,
    e2bWebhookSecret: process.env.SANDCASTER_E2B_WEBHOOK_SECRET || undefined,
    isDraining: () => draining,
    ...agentServices.appDeps,
    templates: built.templates,
    tracing,
  });
  const server = await startServer({
    app,
    host: values.host,
    port,
    logger,
    activeRuns: built.activeRuns,
    onDrain: () => {
      draining = true;
    },
  });
  sessionHost.advertisedUrl ??= server.url;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, "signal received");
      void server
        .shutdown(graceSecs * 1000)
        .then(() => {
          stopSweepingSessions();
          // Keeps stamping our runs until their last writes landed (see keepRunsAlive).
          return stopKeepingAlive();
        })
        .then(() => webhooks.close())
        .then(() => agentServices.close())
        .then(() => built.close())
        .then(() => tracing?.shutdown())
        .then(resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  // After the signal handlers: whoever reads the banner may stop the server at once.
  // JSON stdout stays pure JSON lines (a collector reads it): there the banner goes to stderr.
  const sandbox = await built.providers.select(undefined).then(
    (provider) => provider.name,
    (error: unknown) => `none (${error instanceof Error ? error.message : String(error)})`,
  );
  (format === "pretty" ? process.stdout : process.stderr).write(
    banner({ version: VERSION, url: server.url, sandbox, env: process.env }),
  );
  await stopped;
  return 0;
}
