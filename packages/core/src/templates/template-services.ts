// A server's template service from its config: a builder for each base this host can build (docker,
// local bubblewrap overlays under the data dir, and E2B when a key is set), the warm pools of
// `templatePools`, and sandcaster.json `templates` started building at once.
import { join } from "node:path";
import type { SandcasterConfig } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { PlanError } from "../errors/plan-error.js";
import { lazyDockerClient } from "../providers/docker/client.js";
import type { DockerProviderSettings } from "../providers/docker/docker-provider.js";
import type { E2BProviderSettings } from "../providers/e2b/e2b-provider.js";
import type { LocalProviderSettings } from "../providers/local/local-provider.js";
import type { WarmPool } from "../sandbox/warm-pool.js";
import { dockerTemplateBuilder } from "./docker-template-builder.js";
import { e2bTemplateBuilder } from "./e2b-template-builder.js";
import { localTemplateBuilder } from "./local-template-builder.js";
import { templatePools } from "./template-pools.js";
import { type TemplateBuilders, TemplateService } from "./template-service.js";

export interface TemplateServiceInput {
  config: SandcasterConfig;
  logger: Logger;
  /** The server's data dir (next to the store): local overlays go to `<dataDir>/templates/local`. */
  dataDir: string;
  /** The settings of docker runs (image aside); `docker` is the client (default: made lazily). */
  docker?: Omit<DockerProviderSettings, "image">;
  /** The local provider's settings: builds and runs of local templates get the same isolation. */
  local?: Omit<LocalProviderSettings, "template">;
  /** The E2B provider's settings; without them e2b templates are refused (400 naming spec.base). */
  e2b?: Omit<E2BProviderSettings, "template">;
  /** Warm pools of `templatePools` are added here (closed, measured and checked with the rest). */
  pools?: WarmPool[];
}

export function createTemplateService(input: TemplateServiceInput): TemplateService {
  const { config, logger } = input;
  const builders: TemplateBuilders = {};
  if (input.docker) {
    const { docker, ...settings } = input.docker;
    // Made on first use: no connection to the daemon at start.
    const client = docker ?? lazyDockerClient(undefined, settings.socketPath)();
    builders.docker = dockerTemplateBuilder(client, { provider: settings });
  }
  if (input.local) {
    builders.local = localTemplateBuilder({
      dir: join(input.dataDir, "templates", "local"),
      provider: input.local,
      network: config.local.network,
    });
  }
  if (input.e2b) builders.e2b = e2bTemplateBuilder({ provider: input.e2b });
  const templates = new TemplateService(builders, logger, {
    wrapProvider: templatePools(config, logger, input.pools ?? []),
  });
  for (const [name, spec] of Object.entries(config.templates ?? {})) {
    try {
      templates.ensure(spec, name);
    } catch (error) {
      // A config template this host cannot build is the operator's to fix; the server still serves.
      if (!PlanError.isInstance(error)) throw error;
      logger.error({ template: name, field: error.field }, `template ${name}: ${error.message}`);
    }
  }
  return templates;
}
