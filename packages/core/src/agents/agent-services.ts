// What a server needs for templates and custom agents on docker, from its config and environment:
// the template service (sandcaster.json `templates` built at start), the agent service and the
// sandbox provider of a template image. Templates build on docker only for now.
import type { SandcasterConfig } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { lazyDockerClient } from "../providers/docker/client.js";
import { dockerTemplateBuilder } from "../templates/docker-template-builder.js";
import { TemplateService } from "../templates/template-service.js";
import { AgentService } from "./agent-service.js";
import { dockerImageProviders } from "./image-providers.js";
import { parseSecretsKey, SECRETS_KEY_HINT } from "./secret-box.js";

export interface AgentServicesInput {
  config: SandcasterConfig;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** The server's template service (createTemplateService); default: a docker-only one. */
  templates?: TemplateService | undefined;
}

export function createAgentServices({ config, env, logger, ...input }: AgentServicesInput) {
  const docker = lazyDockerClient(undefined, config.docker.socketPath)();
  const templates = input.templates ?? new TemplateService(dockerTemplateBuilder(docker), logger);
  const secretsKey = parseSecretsKey(env.SANDCASTER_SECRETS_KEY);
  if (env.SANDCASTER_SECRETS_KEY && !secretsKey) {
    logger.warn(
      `SANDCASTER_SECRETS_KEY is not 32 bytes: agent secrets are off (${SECRETS_KEY_HINT})`,
    );
  }
  const agents = new AgentService({
    templates,
    defaultBase: { docker: env.SANDCASTER_DOCKER_IMAGE ?? config.docker.image },
    secretsKey,
  });
  const providerForImage = dockerImageProviders({
    docker,
    diskMb: config.docker.diskMb,
    ...(config.docker.socketPath ? { socketPath: config.docker.socketPath } : {}),
  });
  return {
    appDeps: { templates, agents: { service: agents, providerForImage } },
    /** Stops builds in progress. */
    close: () => templates.close(),
  };
}
