// Merges a validated request with sandcaster.json into what one run will do, or refuses it with a 4xx.
import {
  chooseModel,
  DEFAULT_TIMEOUT_SECS,
  type ModelChoice,
  type QueryRequest,
  type RunnerConfigInput,
  type SandcasterConfig,
} from "@sandcaster/protocol";
import { modelEnv } from "./model-env.js";
import { PlanError } from "./plan-error.js";

export interface RunPlan {
  request: QueryRequest;
  /** Everything of the runner's config but the paths, which depend on the sandbox. */
  runner: Omit<RunnerConfigInput, "cwd" | "timeoutSecs">;
  timeoutSecs: number;
  /** The runner process's environment: keys and base URLs only. */
  env: Record<string, string>;
  model: ModelChoice;
}

type Env = Readonly<Record<string, string | undefined>>;

export function planRun(request: QueryRequest, config: SandcasterConfig, serverEnv: Env): RunPlan {
  if (request.composite) {
    throw new PlanError("composite", "composite workflows are not supported yet");
  }
  if (request.apiKeys?.e2b) {
    throw new PlanError("apiKeys.e2b", "the e2b sandbox provider is not supported yet");
  }
  const env = modelEnv(serverEnv, request.apiKeys);
  const provider = request.provider ?? (request.model ? undefined : config.provider);
  const modelName = request.model ?? config.model;
  const systemPrompt = request.systemPrompt ?? config.systemPrompt;
  const allowedTools = request.allowedTools ?? config.allowedTools;
  const thinkingLevel = request.thinkingLevel ?? config.thinkingLevel;
  const outputFormat = request.outputFormat ?? config.outputFormat;
  const maxTurns = request.maxTurns ?? config.maxTurns;
  const runner: RunPlan["runner"] = {
    prompt: request.prompt,
    ...(provider ? { provider } : {}),
    ...(modelName ? { model: modelName } : {}),
    ...(maxTurns ? { maxTurns } : {}),
    ...(systemPrompt ? { systemPrompt } : {}),
    ...(allowedTools ? { allowedTools } : {}),
    ...(thinkingLevel ? { thinkingLevel } : {}),
    ...(outputFormat ? { outputFormat } : {}),
  };
  return {
    request,
    runner,
    timeoutSecs: request.timeout ?? config.timeout ?? DEFAULT_TIMEOUT_SECS,
    env,
    model: chooseModel({ provider, model: modelName }, env),
  };
}
