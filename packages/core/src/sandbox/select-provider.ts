// Chooses the sandbox provider of a run: request, then sandcaster.json, then what this host offers.
import type { SandboxProviderName } from "@sandcaster/protocol";
import { PlanError } from "../run/plan-error.js";
import type { SandboxProvider } from "./sandbox.js";

export type ProviderMap = Partial<Record<SandboxProviderName, SandboxProvider>>;

export interface ProviderSelector {
  select(
    requested: SandboxProviderName | undefined,
    signal?: AbortSignal,
  ): Promise<SandboxProvider>;
  all(): SandboxProvider[];
}

const AVAILABILITY_TTL_MS = 30_000;

export function createProviderSelector(
  providers: ProviderMap,
  configured: SandboxProviderName | undefined,
): ProviderSelector {
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
    async select(requested) {
      const name = requested ?? configured;
      if (name) {
        const provider = providers[name];
        if (!provider) {
          const field = requested ? "sandboxProvider" : "sandcaster.json sandboxProvider";
          throw new PlanError(field, `sandbox provider "${name}" is not available on this server`);
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
