// Chooses the sandbox provider of a run: request, then sandcaster.json, then what this host offers.
import type { SandboxProviderName } from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import type { SandboxProvider } from "./sandbox.js";

export type ProviderMap = Partial<Record<SandboxProviderName, SandboxProvider>>;

export interface ProviderSelector {
  /** `e2bApiKey`: the request's own E2B key; it implies e2b and runs on that account. */
  select(
    requested: SandboxProviderName | undefined,
    options?: { e2bApiKey?: string | undefined },
  ): Promise<SandboxProvider>;
  all(): SandboxProvider[];
}

export interface SelectorOptions {
  configured?: SandboxProviderName | undefined;
  /** Makes an E2B provider for a request's own key (cheap: no I/O). */
  e2bForKey?: ((apiKey: string) => SandboxProvider) | undefined;
}

const AVAILABILITY_TTL_MS = 30_000;

export function createProviderSelector(
  providers: ProviderMap,
  configuredOrOptions: SandboxProviderName | SelectorOptions | undefined,
): ProviderSelector {
  const options: SelectorOptions =
    typeof configuredOrOptions === "object"
      ? configuredOrOptions
      : { configured: configuredOrOptions };
  const configured = options.configured;
  let dockerCheck: { at: number; ok: Promise<boolean> } | undefined;

  /** Cached for all requests, so it is never tied to one request's signal (the ping has its own timeout). */
  function dockerAvailable(): Promise<boolean> {
    const docker = providers.docker;
    if (!docker) return Promise.resolve(false);
    const now = Date.now();
    if (!dockerCheck || now - dockerCheck.at > AVAILABILITY_TTL_MS) {
      dockerCheck = { at: now, ok: docker.isAvailable() };
    }
    return dockerCheck.ok;
  }

  return {
    async select(requested, selectOptions) {
      const requestKey = selectOptions?.e2bApiKey;
      const name = requested ?? (requestKey ? "e2b" : configured);
      if (requestKey) {
        if (name !== "e2b") {
          throw new PlanError(
            "apiKeys.e2b",
            `an E2B key only applies to sandboxProvider "e2b", not "${name}"`,
          );
        }
        if (!options.e2bForKey)
          throw new PlanError(
            "sandboxProvider",
            "the e2b provider is not available on this server",
          );
        return options.e2bForKey(requestKey);
      }
      if (name) {
        const provider = providers[name];
        if (!provider) {
          const field = requested ? "sandboxProvider" : "sandcaster.json sandboxProvider";
          const hint =
            name === "e2b" ? " (set E2B_API_KEY on the server, or send apiKeys.e2b)" : "";
          throw new PlanError(
            field,
            `sandbox provider "${name}" is not available on this server${hint}`,
          );
        }
        return provider;
      }
      if (providers.e2b) return providers.e2b;
      if (providers.docker && (await dockerAvailable())) return providers.docker;
      if (providers.local) return providers.local;
      throw new PlanError(
        "sandboxProvider",
        "no sandbox provider is available on this server",
        503,
      );
    },
    all: () => Object.values(providers),
  };
}
