// Sessions without a server: the same session service `sandcaster serve` uses, on this machine's
// store and providers (docker/local workspaces then belong to this host).
import { hostname } from "node:os";
import { createSessionService, type SessionService } from "@sandcaster/core";
import type { Logger } from "pino";
import type { Services } from "../build-services.js";

export function localSessions(
  built: Services,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): SessionService {
  return createSessionService({
    store: built.services.store,
    providers: built.providers,
    host: { instanceId: env.SANDCASTER_INSTANCE_ID || hostname(), advertisedUrl: undefined },
    logger,
  });
}
