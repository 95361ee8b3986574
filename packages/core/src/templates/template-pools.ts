// A warm pool per template (sandcaster.json `templatePools`, by template name): the template's
// sandboxes are created ahead, with the limits every run gets, and requests naming it take one.
import type { SandcasterConfig, TemplateInfo } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { pooledProvider } from "../sandbox/pooled-provider.js";
import type { SandboxProvider } from "../sandbox/sandbox.js";
import { sandboxNetwork, warmPoolFor } from "../sandbox/sandbox-limits.js";
import type { WarmPool } from "../sandbox/warm-pool.js";

/** The TemplateService's `wrapProvider`: pools what the config names; `pools` collects them. */
export function templatePools(
  config: Pick<SandcasterConfig, "templatePools" | "docker" | "local">,
  logger: Logger,
  pools: WarmPool[],
): (provider: SandboxProvider, info: TemplateInfo) => SandboxProvider {
  return (provider, info) => {
    const name = info.names.find((n) => (config.templatePools?.[n]?.size ?? 0) > 0);
    const pool = name ? config.templatePools?.[name] : undefined;
    if (!pool) return provider;
    const network = sandboxNetwork(config, provider.name);
    const warm = warmPoolFor(provider, pool, config.docker, logger, network, `template:${name}`);
    pools.push(warm);
    logger.info({ template: name, templateId: info.id, size: pool.size }, "template warm pool");
    return pooledProvider(warm);
  };
}
