// The closed sets of names the wire contract accepts.
import { z } from "zod";

export const MODEL_PROVIDERS = ["anthropic", "openai", "google", "openrouter"] as const;
export const ModelProviderSchema = z.enum(MODEL_PROVIDERS);
export type ModelProvider = z.infer<typeof ModelProviderSchema>;

export const THINKING_LEVELS = ["none", "low", "medium", "high"] as const;
export const ThinkingLevelSchema = z.enum(THINKING_LEVELS);
export type ThinkingLevel = z.infer<typeof ThinkingLevelSchema>;

export const SANDBOX_PROVIDERS = ["local", "docker", "e2b"] as const;
export const SandboxProviderSchema = z.enum(SANDBOX_PROVIDERS);
export type SandboxProviderName = z.infer<typeof SandboxProviderSchema>;

export const RUN_STATUSES = ["queued", "running", "completed", "error", "cancelled"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;
