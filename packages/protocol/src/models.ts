// Which model provider and model id a run uses: aliases, inference from the name, then from the keys present.
import type { ModelProvider } from "./enums.js";

/** Model used when a provider is known but no model was named. */
export const DEFAULT_MODELS: Record<ModelProvider, string> = {
  anthropic: "claude-sonnet-4-6",
  openai: "gpt-5",
  google: "gemini-2.5-pro",
  openrouter: "anthropic/claude-sonnet-4.6",
};

/** Short names people type, per provider they resolve on. */
const ALIASES: Record<string, Partial<Record<ModelProvider, string>>> = {
  sonnet: { anthropic: "claude-sonnet-4-6", openrouter: "anthropic/claude-sonnet-4.6" },
  opus: { anthropic: "claude-opus-4-8", openrouter: "anthropic/claude-opus-4.8" },
  haiku: { anthropic: "claude-haiku-4-5", openrouter: "anthropic/claude-haiku-4.5" },
  gpt5: { openai: "gpt-5", openrouter: "openai/gpt-5" },
  "gpt5-mini": { openai: "gpt-5-mini", openrouter: "openai/gpt-5-mini" },
  "gpt5-nano": { openai: "gpt-5-nano", openrouter: "openai/gpt-5-nano" },
  gemini: { google: "gemini-2.5-pro", openrouter: "google/gemini-2.5-pro" },
  "gemini-pro": { google: "gemini-2.5-pro", openrouter: "google/gemini-2.5-pro" },
  "gemini-flash": { google: "gemini-2.5-flash", openrouter: "google/gemini-2.5-flash" },
};

/** The provider an alias belongs to when none is given: its first entry. */
function aliasHome(alias: string): ModelProvider | undefined {
  const entry = ALIASES[alias];
  return entry ? (Object.keys(entry)[0] as ModelProvider) : undefined;
}

/** Provider implied by a model id alone, if any. */
export function providerFromModelName(model: string): ModelProvider | undefined {
  const m = model.toLowerCase();
  const home = aliasHome(m);
  if (home) return home;
  if (m.includes("/")) return "openrouter";
  if (m.startsWith("claude")) return "anthropic";
  if (m.startsWith("gemini")) return "google";
  if (/^(gpt-|o1|o3|o4|chatgpt-|codex-)/.test(m)) return "openai";
  return undefined;
}

/** Environment variables that hold each provider's key, in the order they are read. */
export const PROVIDER_KEY_VARS: Record<ModelProvider, readonly string[]> = {
  anthropic: ["ANTHROPIC_API_KEY"],
  openai: ["OPENAI_API_KEY"],
  google: ["GOOGLE_API_KEY", "GEMINI_API_KEY"],
  openrouter: ["OPENROUTER_API_KEY"],
};

/** Environment variables that point a provider at a gateway or a compatible server. */
export const PROVIDER_BASE_URL_VARS: Record<ModelProvider, string> = {
  anthropic: "ANTHROPIC_BASE_URL",
  openai: "OPENAI_BASE_URL",
  google: "GOOGLE_GEMINI_BASE_URL",
  openrouter: "OPENROUTER_BASE_URL",
};

export type ModelChoice =
  | { ok: true; provider: ModelProvider; model: string }
  | { ok: false; reason: string };

/**
 * Picks provider and model: explicit provider, else the one the model name implies, else the
 * first provider whose key is present (anthropic, openai, google, openrouter). An unknown model
 * name with OPENAI_BASE_URL set goes to that OpenAI-compatible server (Ollama, vLLM, …).
 */
export function chooseModel(
  requested: { provider?: ModelProvider | undefined; model?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): ModelChoice {
  const name = requested.model?.trim();
  let provider = requested.provider ?? (name ? providerFromModelName(name) : undefined);
  if (!provider && name && env.OPENAI_BASE_URL) provider = "openai";
  if (!provider) {
    provider = (Object.keys(PROVIDER_KEY_VARS) as ModelProvider[]).find((p) =>
      PROVIDER_KEY_VARS[p].some((v) => env[v]),
    );
  }
  if (!provider) {
    return name
      ? { ok: false, reason: `cannot tell which provider serves model "${name}"; set "provider"` }
      : { ok: false, reason: "no model provider is configured" };
  }
  if (!name) return { ok: true, provider, model: DEFAULT_MODELS[provider] };
  const aliased = ALIASES[name.toLowerCase()]?.[provider];
  return { ok: true, provider, model: aliased ?? name };
}
