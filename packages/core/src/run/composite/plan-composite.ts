// A request's `composite` block against sandcaster.json's: a request may tighten the limits,
// never widen them (a wider value is a 400 naming the field).
import type { CompositeConfig, QueryRequest, SandboxProviderName } from "@sandcaster/protocol";
import { PlanError } from "../../errors/plan-error.js";

export interface CompositePlan {
  maxSandboxes: number;
  maxTotalSpawns: number;
  /** Undefined: only the provider of the run's own sandbox. */
  allowedProviders: SandboxProviderName[] | undefined;
  maxTransferBytes: number;
}

export function planComposite(
  request: QueryRequest,
  config: CompositeConfig,
): CompositePlan | undefined {
  const asked = request.composite;
  if (!asked) return undefined;
  if (config.maxSandboxes === 0 || config.maxTotalSpawns === 0) {
    throw new PlanError("composite", "composite workflows are turned off on this server");
  }
  const within = (field: "maxSandboxes" | "maxTotalSpawns") => {
    const value = asked[field];
    if (value === undefined) return config[field];
    if (value > config[field]) {
      throw new PlanError(
        `composite.${field}`,
        `at most ${config[field]} on this server (sandcaster.json composite.${field})`,
      );
    }
    return value;
  };
  let allowedProviders = config.allowedProviders;
  if (asked.allowedProviders) {
    const refused = asked.allowedProviders.filter(
      (name) => config.allowedProviders && !config.allowedProviders.includes(name),
    );
    if (refused.length > 0) {
      throw new PlanError(
        "composite.allowedProviders",
        `not allowed on this server: ${refused.join(", ")} (sandcaster.json composite.allowedProviders)`,
      );
    }
    allowedProviders = [...new Set(asked.allowedProviders)];
  }
  return {
    maxSandboxes: within("maxSandboxes"),
    maxTotalSpawns: within("maxTotalSpawns"),
    allowedProviders,
    maxTransferBytes: config.maxTransferBytes,
  };
}
