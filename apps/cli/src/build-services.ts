// Wires what a run needs from config and environment: store, sandbox providers, logger.
import { dirname, join, resolve } from "node:path";
import {
  ActiveRuns,
  ConfigError,
  createDockerProvider,
  createE2BProvider,
  createLocalProvider,
  createProviderSelector,
  createRunStore,
  createTemplateService,
  keepRunsAlive,
  loadConfig,
  type ProviderSelector,
  pooledProvider,
  type RunServices,
  type RunStore,
  type SandboxProvider,
  sandboxNetwork,
  type TemplateService,
  type WarmPool,
  warmPoolFor,
} from "@sandcaster/core";
import type { PoolConfig, SandcasterConfig } from "@sandcaster/protocol";
import type { Logger } from "pino";

export interface Services {
  services: RunServices;
  config: SandcasterConfig;
  configSource: string | undefined;
  providers: ProviderSelector;
  activeRuns: ActiveRuns;
  /** Warm pools started for providers whose config has `pool.size` > 0 (serve only). */
  pools: WarmPool[];
  /** Templates (sandcaster.json `templates` building), when asked for (serve). */
  templates: TemplateService | undefined;
  close(): Promise<void>;
}

export async function buildServices(options: {
  configPath: string | undefined;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Start the configured warm pools (a server does; a one-off `sandcaster query` does not). */
  warmPools?: boolean;
  /**
   * Stamp this process's runs alive until close() (an in-process run: a server sharing the store
   * then never reaps it; `serve` stamps its own, after draining).
   */
  keepRunsAlive?: boolean;
  /** Build sandcaster.json `templates` and serve /templates and `template` requests (serve). */
  templates?: boolean;
}): Promise<Services> {
  const env = options.env ?? process.env;
  const { config, source } = await loadConfig(options.configPath ?? env.SANDCASTER_CONFIG);
  // DATABASE_URL=postgres://… shares runs, events and cancel requests between instances.
  const store = createRunStore({
    databaseUrl: env.DATABASE_URL,
    sqlitePath: env.SANDCASTER_DB ?? config.store.path,
    logger: options.logger,
  });
  await store.migrate();
  const stopPruning = pruneEventsPeriodically(store, config.events.retentionHours, options.logger);
  const activeRuns = new ActiveRuns();
  const docker = createDockerProvider({
    image: env.SANDCASTER_DOCKER_IMAGE ?? config.docker.image,
    ...(config.docker.socketPath ? { socketPath: config.docker.socketPath } : {}),
  });
  const dataDir = resolve(dirname(env.SANDCASTER_DB ?? config.store.path));
  const localSettings = {
    isolation: config.local.isolation,
    sandboxUser: config.local.sandboxUser,
    diskMb: config.local.diskMb,
    runnerSnapshot: envFlag(env, "SANDCASTER_RUNNER_SNAPSHOT", config.local.runnerSnapshot),
    logger: options.logger,
    // Session workspaces must outlive reboots (the temp dir does not): next to the store.
    workspacesDir: resolve(env.SANDCASTER_WORKSPACES_DIR ?? join(dataDir, "workspaces")),
  };
  const local = createLocalProvider(localSettings);
  // A sandbox is an orphan when the store (shared by every instance) no longer has its run running.
  const isRunActive = async (runId: string) => (await store.getRun(runId))?.status === "running";
  const e2bSettings = {
    template: env.SANDCASTER_E2B_TEMPLATE ?? config.e2b.template,
    isRunActive,
    logger: options.logger,
  };
  const e2b = env.E2B_API_KEY
    ? createE2BProvider({ ...e2bSettings, sweepIntervalMs: config.e2b.sweepIntervalSecs * 1000 })
    : undefined;
  if (config.sandboxProvider === "e2b" && !e2b) {
    throw new ConfigError(`invalid config ${source}: sandboxProvider: "e2b" needs E2B_API_KEY`);
  }
  const pools: WarmPool[] = [];
  const withPool = (provider: SandboxProvider, pool: PoolConfig | undefined): SandboxProvider => {
    if (!options.warmPools || !pool || pool.size === 0) return provider;
    const network = sandboxNetwork(config, provider.name);
    const warm = warmPoolFor(provider, pool, config.docker, options.logger, network);
    pools.push(warm);
    return pooledProvider(warm);
  };
  const providers = createProviderSelector(
    {
      docker: withPool(docker, config.docker.pool),
      local: withPool(local, config.local.pool),
      ...(e2b ? { e2b } : {}),
    },
    {
      configured: config.sandboxProvider,
      e2bForKey: (apiKey) => createE2BProvider({ ...e2bSettings, apiKey }),
    },
  );
  const stopSweeping = e2b?.startSweeping();
  const templates = options.templates
    ? createTemplateService({
        config,
        logger: options.logger,
        dataDir,
        docker: {
          diskMb: config.docker.diskMb,
          ...(config.docker.socketPath ? { socketPath: config.docker.socketPath } : {}),
        },
        local: localSettings,
        ...(e2b ? { e2b: e2bSettings } : {}),
        pools,
      })
    : undefined;
  const stopKeepingAlive = options.keepRunsAlive
    ? keepRunsAlive({
        store,
        activeRuns,
        heartbeatMs: config.runs.heartbeatSecs * 1000,
        staleAfterMs: config.runs.staleAfterSecs * 1000,
        logger: options.logger,
      })
    : undefined;
  return {
    services: { store, config, logger: options.logger },
    config,
    configSource: source,
    providers,
    activeRuns,
    pools,
    templates,
    close: async () => {
      await stopKeepingAlive?.();
      await templates?.close();
      await Promise.all(pools.map((pool) => pool.close()));
      stopSweeping?.();
      stopPruning();
      await local.close();
      await store.close();
    },
  };
}

/** An on/off environment variable ("1"/"true", "0"/"false"), or `fallback` when it is not set. */
function envFlag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new ConfigError(
    `invalid environment: ${name} must be 1, 0, true or false (got ${JSON.stringify(value)})`,
  );
}

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** Deletes replayable events of runs that ended more than `retentionHours` ago, every few minutes. */
function pruneEventsPeriodically(
  store: RunStore,
  retentionHours: number,
  logger: Logger,
): () => void {
  const prune = () =>
    store
      .pruneEvents(new Date(Date.now() - retentionHours * 3600 * 1000))
      .then((removed) => removed > 0 && logger.info({ removed }, "pruned old run events"))
      .catch((error: unknown) => logger.warn({ err: error }, "pruning run events failed"));
  void prune();
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Removes sandboxes a crashed earlier server left behind; failures only log. */
export async function sweepOrphans(providers: ProviderSelector, logger: Logger): Promise<void> {
  for (const provider of providers.all()) {
    if (!provider.sweepOrphans) continue;
    try {
      if (!(await provider.isAvailable())) continue;
      const removed = await provider.sweepOrphans();
      if (removed > 0)
        logger.warn(
          { provider: provider.name, removed },
          "removed sandboxes left by an earlier server",
        );
    } catch (error) {
      logger.warn({ err: error, provider: provider.name }, "orphan sweep failed");
    }
  }
}
