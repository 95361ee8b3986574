// The closed sets of names the wire contract accepts.
import * as z from "zod";

/**
 * A name outside `names` is refused saying what this server does support; names the upstream
 * Sandcaster project accepts but this server does not run are named as such, so a client written
 * for upstream learns why rather than guessing at a typo.
 */
function closedSet<const T extends readonly [string, ...string[]]>(
  names: T,
  what: string,
  upstreamOnly: readonly string[],
) {
  return z.enum(names, {
    error: (issue) => {
      const supported = `this server supports ${names.join(", ")}`;
      return typeof issue.input === "string" && upstreamOnly.includes(issue.input)
        ? `${JSON.stringify(issue.input)} is a ${what} of upstream Sandcaster that this server does not run; ${supported}`
        : `not a ${what}: ${supported}`;
    },
  });
}

export const MODEL_PROVIDERS = ["anthropic", "openai", "google", "openrouter"] as const;
export const ModelProviderSchema = closedSet(MODEL_PROVIDERS, "model provider", [
  "vertex",
  "bedrock",
]);
export type ModelProvider = z.infer<typeof ModelProviderSchema>;

export const THINKING_LEVELS = ["none", "low", "medium", "high"] as const;
export const ThinkingLevelSchema = z.enum(THINKING_LEVELS);
export type ThinkingLevel = z.infer<typeof ThinkingLevelSchema>;

export const SANDBOX_PROVIDERS = ["local", "docker", "e2b"] as const;
export const SandboxProviderSchema = closedSet(SANDBOX_PROVIDERS, "sandbox provider", [
  "vercel",
  "cloudflare",
]);
export type SandboxProviderName = z.infer<typeof SandboxProviderSchema>;

export const RUN_STATUSES = ["queued", "running", "completed", "error", "cancelled"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;
