// A sandbox provider with a warm pool in front (the pool's own file holds the pool).
import type { SandboxProvider } from "./sandbox.js";
import type { WarmPool } from "./warm-pool.js";

/**
 * The provider with a pool in front: create() hands out warm sandboxes first. Session workspace
 * operations go straight to the provider.
 */
export function pooledProvider(pool: WarmPool): SandboxProvider {
  const inner = pool.provider;
  return {
    name: inner.name,
    isAvailable: (signal) => inner.isAvailable(signal),
    create: (options) => pool.acquire(options),
    ...pick(inner, ["createWorkspace", "deleteWorkspace", "exportWorkspace", "importWorkspace"]),
    ...(inner.sweepOrphans
      ? {
          sweepOrphans: (signal?: AbortSignal) =>
            inner.sweepOrphans?.(signal) ?? Promise.resolve(0),
        }
      : {}),
  };
}

/** The optional methods `inner` has, bound to it. */
function pick<K extends keyof SandboxProvider>(
  inner: SandboxProvider,
  keys: readonly K[],
): Partial<Pick<SandboxProvider, K>> {
  const out: Partial<Pick<SandboxProvider, K>> = {};
  for (const key of keys) {
    const method = inner[key];
    if (typeof method === "function") {
      out[key] = method.bind(inner) as SandboxProvider[K];
    }
  }
  return out;
}
