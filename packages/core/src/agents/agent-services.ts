// What a server needs for templates and custom agents, from its config and environment:
// the template service (sandcaster.json `templates` built at start), the agent service (kept in the
// run store's database) and the sandbox provider of a template image.
import type { SandcasterConfig, TemplateBase } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { lazyDockerClient } from "../providers/docker/client.js";
import type { RunStore } from "../store/run-store.js";
import { dockerTemplateBuilder } from "../templates/docker-template-builder.js";
import { TemplateService } from "../templates/template-service.js";
import { AgentService } from "./agent-service.js";
import { dockerImageProviders } from "./image-providers.js";
import { parseSecretsKey, SECRETS_KEY_HINT } from "./secret-box.js";
import { parsePreviousKeys, SecretKeyring } from "./secret-keyring.js";

export interface AgentServicesInput {
  config: SandcasterConfig;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Where agents are kept (the run store's database); without it /agents answers 404. */
  store?: Pick<RunStore, "agents"> | undefined;
  /** The server's template service (createTemplateService); default: a docker-only one. */
  templates?: TemplateService | undefined;
}

/** SANDCASTER_SECRETS_KEY and SANDCASTER_SECRETS_KEY_PREVIOUS as a keyring (bad ones warned). */
export function keyringFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  logger: Pick<Logger, "warn">,
): SecretKeyring | undefined {
  const current = parseSecretsKey(env.SANDCASTER_SECRETS_KEY);
  if (env.SANDCASTER_SECRETS_KEY && !current) {
    logger.warn(
      `SANDCASTER_SECRETS_KEY is not 32 bytes: agent secrets are off (${SECRETS_KEY_HINT})`,
    );
  }
  const previous = parsePreviousKeys(env.SANDCASTER_SECRETS_KEY_PREVIOUS);
  if (previous.invalid.length > 0) {
    logger.warn(
      `SANDCASTER_SECRETS_KEY_PREVIOUS: key(s) ${previous.invalid.join(", ")} are not 32 bytes and are ignored`,
    );
  }
  return current ? new SecretKeyring(current, previous.keys) : undefined;
}

/**
 * The base an agent's code is installed on unless its manifest names one: the server's own sandbox
 * provider's (a local server builds local overlays, an e2b one E2B templates); docker when the
 * config names none, as before templates had other bases.
 */
export function defaultAgentBase(
  config: SandcasterConfig,
  env: Readonly<Record<string, string | undefined>>,
): TemplateBase {
  switch (config.sandboxProvider) {
    case "local":
      return { local: true };
    case "e2b":
      return { e2b: env.SANDCASTER_E2B_TEMPLATE ?? config.e2b.template };
    default:
      return { docker: env.SANDCASTER_DOCKER_IMAGE ?? config.docker.image };
  }
}

export function createAgentServices(input: AgentServicesInput) {
  const { config, env, logger, store } = input;
  const docker = lazyDockerClient(undefined, config.docker.socketPath)();
  // The server's own (createTemplateService builds sandcaster.json `templates`), else docker-only.
  const templates = input.templates ?? new TemplateService(dockerTemplateBuilder(docker), logger);
  const providerForImage = dockerImageProviders({
    docker,
    diskMb: config.docker.diskMb,
    ...(config.docker.socketPath ? { socketPath: config.docker.socketPath } : {}),
  });
  // The environment overrides the config (an operator turns a deployment's pools off without a file).
  const poolSize = Number.parseInt(env.SANDCASTER_AGENT_POOL_SIZE ?? "", 10);
  const agents = store?.agents
    ? new AgentService({
        templates,
        store: store.agents,
        defaultBase: defaultAgentBase(config, env),
        keyring: keyringFromEnv(env, logger),
        config,
        pool: {
          size: Number.isInteger(poolSize) && poolSize >= 0 ? poolSize : config.agentPool.size,
          maxAgeSecs: config.agentPool.maxAgeSecs,
          logger,
        },
      })
    : undefined;
  return {
    appDeps: {
      templates,
      agents: agents ? { service: agents, providerForImage } : undefined,
    },
    /** Stops builds in progress and destroys agents' warm sandboxes. */
    close: async () => {
      await agents?.close();
      await templates.close();
    },
  };
}
