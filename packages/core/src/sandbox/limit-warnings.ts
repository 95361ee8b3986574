// Limits a sandbox ran into (memory, process count, disk), from providers that can tell.
import type { Sandbox } from "./sandbox.js";

/** The warning code the run relays them with. */
export const SANDBOX_LIMIT_EXCEEDED = "SANDBOX_LIMIT_EXCEEDED";

interface LimitReporting {
  limitWarnings(): Promise<string[]>;
}

function reportsLimits(sandbox: Sandbox): sandbox is Sandbox & LimitReporting {
  return typeof (sandbox as Partial<LimitReporting>).limitWarnings === "function";
}

/** One sentence per limit hit so far; none for providers that cannot tell. Never throws. */
export async function sandboxLimitWarnings(sandbox: Sandbox | undefined): Promise<string[]> {
  if (!sandbox || !reportsLimits(sandbox)) return [];
  return sandbox.limitWarnings().catch(() => []);
}
