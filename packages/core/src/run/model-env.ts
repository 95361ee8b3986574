// The environment of the runner process: model keys (request first, then server) and base URLs. Nothing else.
import {
  type ApiKeys,
  type ModelProvider,
  PROVIDER_BASE_URL_VARS,
  PROVIDER_KEY_VARS,
} from "@sandcaster/protocol";

type Env = Readonly<Record<string, string | undefined>>;

const REQUEST_KEYS: Record<ModelProvider, keyof ApiKeys> = {
  anthropic: "anthropic",
  openai: "openai",
  google: "google",
  openrouter: "openrouter",
};

export function modelEnv(serverEnv: Env, requestKeys: ApiKeys | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const provider of Object.keys(PROVIDER_KEY_VARS) as ModelProvider[]) {
    const fromRequest = requestKeys?.[REQUEST_KEYS[provider]];
    const [primary] = PROVIDER_KEY_VARS[provider];
    if (fromRequest && primary) {
      env[primary] = fromRequest;
    } else {
      for (const name of PROVIDER_KEY_VARS[provider]) {
        const value = serverEnv[name];
        if (value) env[name] = value;
      }
    }
    const baseUrl = serverEnv[PROVIDER_BASE_URL_VARS[provider]];
    if (baseUrl) env[PROVIDER_BASE_URL_VARS[provider]] = baseUrl;
  }
  return env;
}

/** Every secret value in that environment, for redaction. */
export function secretValues(env: Record<string, string>): string[] {
  const keyVars = new Set(Object.values(PROVIDER_KEY_VARS).flat());
  return Object.entries(env)
    .filter(([name]) => keyVars.has(name))
    .map(([, value]) => value);
}
