// The environment of the runner process: the chosen provider's key and base URL. Nothing else.
import {
  type ApiKeys,
  type ModelProvider,
  PROVIDER_BASE_URL_VARS,
  PROVIDER_KEY_VARS,
} from "@sandcaster/protocol";

type Env = Readonly<Record<string, string | undefined>>;

const PROVIDERS = Object.keys(PROVIDER_KEY_VARS) as ModelProvider[];

/** Every provider's key and base URL: the request's keys first, then the server's. */
export function availableModelEnv(
  serverEnv: Env,
  requestKeys: ApiKeys | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const provider of PROVIDERS) {
    const fromRequest = requestKeys?.[provider];
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

/** Only what `provider` needs: a sandbox never holds the keys of providers the run does not use. */
export function envForProvider(
  env: Record<string, string>,
  provider: ModelProvider,
): Record<string, string> {
  const wanted = new Set([...PROVIDER_KEY_VARS[provider], PROVIDER_BASE_URL_VARS[provider]]);
  return Object.fromEntries(Object.entries(env).filter(([name]) => wanted.has(name)));
}

/** The providers whose key the request itself supplied, in preference order. */
export function requestKeyProviders(requestKeys: ApiKeys | undefined): ModelProvider[] {
  return PROVIDERS.filter((p) => requestKeys?.[p]);
}

/** Every secret value in an environment, for redaction. */
export function secretValues(env: Record<string, string>): string[] {
  const keyVars = new Set(Object.values(PROVIDER_KEY_VARS).flat());
  return Object.entries(env)
    .filter(([name]) => keyVars.has(name))
    .map(([, value]) => value);
}
