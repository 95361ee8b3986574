// Picks the provider and model for a run and connects the matching adapter with keys from the environment.
import {
  chooseModel,
  ERROR_CODES,
  type HistoryTurn,
  type ModelProvider,
  PROVIDER_BASE_URL_VARS,
  PROVIDER_KEY_VARS,
} from "@sandcaster/protocol";
import { RunnerError } from "../errors.js";
import { repairHistory } from "./history-repair.js";
import type { ConversationSettings, ModelConversation } from "./model-conversation.js";
import { loadAdapter } from "./sdk-loaders.js";

type Env = Readonly<Record<string, string | undefined>>;

const OPENROUTER_DEFAULT_URL = "https://openrouter.ai/api/v1";

function keyFor(provider: ModelProvider, env: Env): string | undefined {
  for (const name of PROVIDER_KEY_VARS[provider]) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function missingKey(provider: ModelProvider): RunnerError {
  const vars = PROVIDER_KEY_VARS[provider].join(" or ");
  return new RunnerError(ERROR_CODES.NO_MODEL_CREDENTIALS, `no API key for ${provider}`, {
    hint: `set ${vars} on the server, or pass apiKeys.${provider} in the request`,
  });
}

/**
 * The host's model gateway, as the runner reaches it: `baseURL` ends at the provider segment
 * (`http://127.0.0.1:<port>/anthropic`), and the token takes the key's place.
 */
export interface GatewayConnection {
  provider: ModelProvider;
  baseURL: string;
  token: string;
  /** The gateway forwards to a configured server rather than the provider's official API. */
  customBaseUrl: boolean;
}

export async function createConversation(
  requested: { provider?: ModelProvider | undefined; model?: string | undefined },
  settings: Omit<ConversationSettings, "model" | "history"> & {
    history?: readonly HistoryTurn[] | undefined;
  },
  env: Env,
  gateway?: GatewayConnection,
): Promise<ModelConversation> {
  if (gateway) return viaGateway(requested, settings, gateway);
  const choice = chooseModel(requested, env);
  if (!choice.ok) {
    throw new RunnerError(ERROR_CODES.NO_MODEL_CREDENTIALS, choice.reason, {
      hint: "set ANTHROPIC_API_KEY, OPENAI_API_KEY, GOOGLE_API_KEY or OPENROUTER_API_KEY, or pass apiKeys in the request",
    });
  }
  const { provider, model } = choice;
  const baseURL = env[PROVIDER_BASE_URL_VARS[provider]]?.trim() || undefined;
  // A self-hosted OpenAI-compatible server (Ollama, vLLM) usually needs no key.
  const apiKey =
    keyFor(provider, env) ?? (provider === "openai" && baseURL ? "not-needed" : undefined);
  if (!apiKey) throw missingKey(provider);
  return connect(provider, model, settings, { apiKey, baseURL, official: !baseURL });
}

/** With a gateway the host chose the provider and holds the key; the environment is not read. */
function viaGateway(
  requested: { provider?: ModelProvider | undefined; model?: string | undefined },
  settings: Omit<ConversationSettings, "model" | "history"> & {
    history?: readonly HistoryTurn[] | undefined;
  },
  gateway: GatewayConnection,
): Promise<ModelConversation> {
  const choice = chooseModel({ ...requested, provider: gateway.provider }, {});
  if (!choice.ok) throw new RunnerError(ERROR_CODES.INVALID_CONFIG, choice.reason);
  return connect(gateway.provider, choice.model, settings, {
    apiKey: gateway.token,
    baseURL: gateway.baseURL,
    official: !gateway.customBaseUrl,
  });
}

/** Loads only `provider`'s SDK: the others are never parsed or evaluated in this run. */
async function connect(
  provider: ModelProvider,
  model: string,
  settings: Omit<ConversationSettings, "model" | "history"> & {
    history?: readonly HistoryTurn[] | undefined;
  },
  connection: { apiKey: string; baseURL: string | undefined; official: boolean },
): Promise<ModelConversation> {
  const { apiKey, baseURL, official } = connection;
  // One repair for every provider: whichever adapter seeds from it gets a history its API takes.
  const full = { ...settings, model, history: repairHistory(settings.history ?? []) };
  switch (provider) {
    case "anthropic":
      return (await loadAdapter("anthropic")).createAnthropicConversation(full, {
        apiKey,
        baseURL,
      });
    case "openai":
      return (await loadAdapter("openai")).createOpenAIConversation(full, {
        apiKey,
        baseURL,
        flavour: "openai",
        official,
      });
    case "openrouter":
      return (await loadAdapter("openai")).createOpenAIConversation(full, {
        apiKey,
        baseURL: baseURL ?? OPENROUTER_DEFAULT_URL,
        flavour: "openrouter",
      });
    case "google":
      return (await loadAdapter("google")).createGoogleConversation(full, { apiKey, baseURL });
  }
}
