// Starts a real Sandcaster HTTP server (real store, real sandbox provider) against a scripted model.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActiveRuns,
  createDockerProvider,
  createE2BProvider,
  createLocalProvider,
  createProviderSelector,
  createRunStore,
  createSessionService,
  createWebhookService,
  pooledProvider,
  type RunStore,
  type SandboxProvider,
  type SessionHost,
  type SessionService,
  sandboxNetwork,
  type Tracing,
  type WarmPool,
  type WebhookService,
  warmPoolFor,
} from "@sandcaster/core";
import { type SandcasterConfigInput, SandcasterConfigSchema } from "@sandcaster/protocol";
import {
  type E2BDouble,
  type ModelDouble,
  type ScriptedTurn,
  startAnthropicDouble,
} from "@sandcaster/testkit";
import type { Hono } from "hono";
import { pino } from "pino";
import { Registry } from "prom-client";
import { type AppDeps, createApp } from "../src/app.js";
import { createMetrics } from "../src/metrics/index.js";
import { type RunningServer, startServer } from "../src/server.js";

export const TEST_IMAGE = "sandcaster-sandbox:test";

export interface TestServer {
  url: string;
  /** The Hono app the server runs (its `routes` list what it registers). */
  app: Hono;
  double: ModelDouble;
  store: RunStore;
  server: RunningServer;
  activeRuns: ActiveRuns;
  pools: WarmPool[];
  sessions: SessionService;
  /** Present when the options asked for webhooks. */
  webhooks: WebhookService | undefined;
  close(): Promise<void>;
}

export interface TestServerOptions {
  turns: ScriptedTurn[];
  sandbox?: "local" | "docker" | "e2b";
  /** An E2B double for the e2b provider (the server gets its key, API and sandbox URLs). */
  e2b?: E2BDouble;
  apiKey?: string;
  config?: SandcasterConfigInput;
  bodyLimitBytes?: number;
  /** Where the model double listens; a container reaches the host through Docker's bridge gateway. */
  modelHost?: string;
  heartbeatMs?: number;
  e2bWebhookSecret?: string;
  /** Share a database with another test server (two instances, one store). */
  storePath?: string;
  /** PostgreSQL instead of SQLite. */
  databaseUrl?: string | undefined;
  /** More server environment (other providers' keys, …). */
  env?: Record<string, string>;
  /** Receives every log line (JSON text). */
  logLines?: string[];
  /** Sessions: this instance's id (docker/local workspaces belong to it). Default "instance-a". */
  instanceId?: string;
  /** e2b: leave gateway.publicUrl unset (runs must then be refused). */
  noGatewayUrl?: boolean;
  /** The egress proxy's resolver (netns test hosts' names). */
  egress?: AppDeps["egress"];
  /** The local provider's isolation (default "auto": bubblewrap when it works). */
  localIsolation?: "auto" | "bwrap" | "none";
  /** A warm pool in front of the run's sandbox provider (local or docker). */
  pool?: { size: number; maxAgeSecs?: number; image?: string };
  /** Docker: false starts every runner by exec (pipes for its stdio), as when a booted one fails. */
  dockerBootRunner?: boolean;
  /** Run-completion webhooks signed with `secret`; `resolve` replaces DNS for the deliveries. */
  webhooks?: { secret: string; resolve?: (host: string) => Promise<string[]> };
  /** More app deps (templates, agents). */
  appDeps?: Pick<AppDeps, "templates" | "agents">;
  /**
   * Pools made outside the harness (a template's), read live: /metrics and /ready show them, and
   * the harness's own pools are added to this array.
   */
  extraPools?: WarmPool[];
  /** Traces (core's startTracing): request spans and run traces. */
  tracing?: Tracing;
  /** A store of the test's own (writes it can delay or fail), instead of storePath/databaseUrl's. */
  store?: RunStore;
  /** Wraps the run's sandbox provider (inside its pool): to watch what the server does to sandboxes. */
  wrapProvider?: (provider: SandboxProvider) => SandboxProvider;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-api-test-"));
  // A server that fails to start (a store that will not migrate, say) leaves no temp dir behind.
  return startIn(dir, options).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
}

async function startIn(dir: string, options: TestServerOptions): Promise<TestServer> {
  const double = await startAnthropicDouble({
    turns: options.turns,
    host: options.modelHost ?? "127.0.0.1",
  });
  const store =
    options.store ??
    createRunStore({
      databaseUrl: options.databaseUrl,
      sqlitePath: options.storePath ?? join(dir, "runs.db"),
    });
  await store.migrate();
  const config = SandcasterConfigSchema.parse({
    sandboxProvider: options.sandbox ?? "local",
    docker: { image: TEST_IMAGE },
    ...options.config,
  });
  const logLines = options.logLines;
  const logger = logLines
    ? pino({ level: "debug" }, { write: (line: string) => logLines.push(line) })
    : pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const e2bSettings = options.e2b
    ? {
        apiKey: options.e2b.apiKey,
        apiUrl: options.e2b.apiUrl,
        sandboxUrl: options.e2b.sandboxUrl,
        isRunActive: async (runId: string) => (await store.getRun(runId))?.status === "running",
      }
    : undefined;
  // Live: a template's pool is added to extraPools once its build is ready.
  const pools: WarmPool[] = options.extraPools ?? [];
  // SANDCASTER_TEST_POOL=<size> runs every test server with a warm pool (pre-booted runners).
  const envPool = Number(process.env.SANDCASTER_TEST_POOL ?? 0);
  const poolOption = options.pool ?? (envPool > 0 ? { size: envPool } : undefined);
  const withPool = (unwrapped: SandboxProvider): SandboxProvider => {
    const provider =
      options.wrapProvider && unwrapped.name === config.sandboxProvider
        ? options.wrapProvider(unwrapped)
        : unwrapped;
    if (!poolOption || provider.name !== config.sandboxProvider) return provider;
    const pool = warmPoolFor(
      provider,
      { size: poolOption.size, maxAgeSecs: poolOption.maxAgeSecs ?? 600 },
      config.docker,
      logger,
      sandboxNetwork(config, provider.name),
    );
    pools.push(pool);
    return pooledProvider(pool);
  };
  const providers = createProviderSelector(
    {
      // Session workspaces live in the server's temp dir, so close() removes them with it.
      local: withPool(
        createLocalProvider({
          isolation: options.localIsolation ?? "auto",
          logger,
          sandboxUser: config.local.sandboxUser,
          diskMb: config.local.diskMb,
          workspacesDir: join(dir, "workspaces"),
        }),
      ),
      docker: withPool(
        createDockerProvider({
          image: options.pool?.image ?? config.docker.image,
          diskMb: config.docker.diskMb,
          ...(options.dockerBootRunner === false ? { bootRunner: false } : {}),
        }),
      ),
      ...(e2bSettings ? { e2b: createE2BProvider(e2bSettings) } : {}),
    },
    {
      configured: config.sandboxProvider,
      ...(e2bSettings
        ? { e2bForKey: (apiKey: string) => createE2BProvider({ ...e2bSettings, apiKey }) }
        : {}),
    },
  );
  const activeRuns = new ActiveRuns();
  let draining = false;
  const metrics = createMetrics({
    registry: new Registry(),
    defaultMetrics: false,
    pools: () => pools.map((pool) => pool.stats()),
  });
  const sessionHost: SessionHost = {
    instanceId: options.instanceId ?? "instance-a",
    advertisedUrl: undefined,
  };
  const sessions = createSessionService({ store, providers, host: sessionHost, logger });
  const webhooks = options.webhooks
    ? createWebhookService({
        store,
        config: config.webhook,
        secret: options.webhooks.secret,
        instanceId: sessionHost.instanceId,
        logger,
        resolve: options.webhooks.resolve,
      })
    : undefined;
  const app = createApp({
    metrics,
    sessions,
    services: { store, config, logger, webhooks },
    providers,
    activeRuns,
    pools,
    env: {
      ANTHROPIC_API_KEY: "sk-ant-test-secret-key",
      ANTHROPIC_BASE_URL: double.url,
      ...options.env,
    },
    version: "test",
    apiKey: options.apiKey,
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    e2bWebhookSecret: options.e2bWebhookSecret,
    isDraining: () => draining,
    ...(options.egress ? { egress: options.egress } : {}),
    ...options.appDeps,
    tracing: options.tracing,
  });
  const server = await startServer({
    app,
    host: "127.0.0.1",
    port: 0,
    logger,
    activeRuns,
    onDrain: () => {
      draining = true;
    },
  });
  sessionHost.advertisedUrl = server.url;
  // E2B sandboxes reach the model through this server's /gateway routes (the double runs them on
  // this host), as a deployment's would through gateway.publicUrl.
  if (options.sandbox === "e2b" && !options.noGatewayUrl && !config.gateway.publicUrl) {
    config.gateway = { ...config.gateway, publicUrl: `${server.url}/gateway` };
  }
  return {
    sessions,
    url: server.url,
    app,
    double,
    store,
    server,
    activeRuns,
    pools,
    webhooks,
    async close() {
      await server.shutdown(1000);
      // Docker session volumes outlive the server's temp dir; delete whatever sessions remain.
      const remaining = await sessions.list({ limit: 1000 }).catch(() => []);
      for (const session of remaining) {
        if (session.status === "deleted") continue;
        await sessions.delete(session.id, AbortSignal.timeout(30_000)).catch(() => undefined);
      }
      await webhooks?.close();
      await Promise.all(pools.map((pool) => pool.close()));
      await double.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
