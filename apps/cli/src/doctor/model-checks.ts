// Which model keys are set (names only, never values), and whether the model runs would use has one.
import {
  chooseModel,
  MODEL_PROVIDERS,
  type ModelProvider,
  PROVIDER_BASE_URL_VARS,
  PROVIDER_KEY_VARS,
  type SandcasterConfig,
} from "@sandcaster/protocol";
import type { CheckResult } from "./check.js";

type Env = Readonly<Record<string, string | undefined>>;

function hasKey(provider: ModelProvider, env: Env): boolean {
  if (PROVIDER_KEY_VARS[provider].some((name) => env[name])) return true;
  // An OpenAI-compatible server (Ollama, vLLM) may need no key.
  return provider === "openai" && Boolean(env.OPENAI_BASE_URL);
}

export function modelChecks(config: SandcasterConfig, env: Env): CheckResult[] {
  const keys = MODEL_PROVIDERS.map((provider): CheckResult => {
    const names = PROVIDER_KEY_VARS[provider].join(" or ");
    const set = PROVIDER_KEY_VARS[provider].find((name) => env[name]);
    const base = env[PROVIDER_BASE_URL_VARS[provider]]
      ? ` (${PROVIDER_BASE_URL_VARS[provider]} set)`
      : "";
    if (set) return { id: provider, status: "ok", message: `${set} is set${base}` };
    if (hasKey(provider, env))
      return {
        id: provider,
        status: "ok",
        message: `no key, ${PROVIDER_BASE_URL_VARS[provider]} set`,
      };
    return { id: provider, status: "skip", message: `${names} not set` };
  });
  const choice = chooseModel({ provider: config.provider, model: config.model }, env);
  const allKeys = MODEL_PROVIDERS.flatMap((p) => PROVIDER_KEY_VARS[p]).join(", ");
  let model: CheckResult;
  if (!choice.ok) {
    const message = config.model ? choice.reason : "no model key is set";
    model = { id: "model", status: "fail", message, hint: `set one of ${allKeys}` };
  } else if (!hasKey(choice.provider, env)) {
    const names = PROVIDER_KEY_VARS[choice.provider].join(" or ");
    model = {
      id: "model",
      status: "fail",
      message: `runs would use ${choice.model} via ${choice.provider}, but ${names} is not set`,
      hint: `export ${PROVIDER_KEY_VARS[choice.provider][0]}=… (or change "model"/"provider" in sandcaster.json)`,
    };
  } else {
    model = {
      id: "model",
      status: "ok",
      message: `runs use ${choice.model} via ${choice.provider}`,
    };
  }
  return [...keys, model];
}
