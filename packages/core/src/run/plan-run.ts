// Merges a validated request with sandcaster.json into what one run will do, or refuses it with a 4xx.
import {
  type Budget,
  chooseModel,
  DEFAULT_TIMEOUT_SECS,
  effectiveBudget,
  type ModelChoice,
  type ModelProvider,
  type NetworkPolicy,
  providerFromModelName,
  type QueryRequest,
  type RunnerConfigInput,
  type SandcasterConfig,
} from "@sandcaster/protocol";
import { planNetwork } from "../egress/plan-network.js";
import { PlanError } from "../errors/plan-error.js";
import type { SharedSpend } from "../gateway/shared-spend.js";
import { type CompositePlan, planComposite } from "./composite/plan-composite.js";
import { availableModelEnv, envForProvider, requestKeyProviders } from "./model-env.js";

export interface RunPlan {
  request: QueryRequest;
  /** Everything of the runner's config but the paths, which depend on the sandbox. */
  runner: Omit<RunnerConfigInput, "cwd" | "timeoutSecs">;
  timeoutSecs: number;
  /** The runner process's environment: keys and base URLs only. */
  env: Record<string, string>;
  model: ModelChoice;
  /** Present when the request asked for a composite workflow (limits already merged). */
  composite: CompositePlan | undefined;
  /** What the model gateway lets this run spend (sandcaster.json's ceiling, tightened by the request). */
  budget: Budget;
  /** Providers besides the run's that its sub-agents call (their keys are in `env`). */
  subAgentProviders?: readonly ModelProvider[] | undefined;
  /** The budget this run shares with others of one whole (a branch of a branching run). */
  sharedSpend?: SharedSpend | undefined;
  /** What the agent's tools may reach (sandcaster.json's ceiling, narrowed by the request). */
  network: NetworkPolicy;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The request's model wins; else the provider it names or whose key it sent (a key says who the
 * caller means to pay); sandcaster.json's model only applies when it belongs to that provider.
 */
function modelRequest(request: QueryRequest, config: SandcasterConfig) {
  if (request.model) return { provider: request.provider, model: request.model };
  const wanted = request.provider ?? requestKeyProviders(request.apiKeys)[0];
  const configured =
    config.provider ?? (config.model ? providerFromModelName(config.model) : undefined);
  if (wanted && configured && wanted !== configured) return { provider: wanted, model: undefined };
  return { provider: wanted ?? config.provider, model: config.model };
}

export function planRun(request: QueryRequest, config: SandcasterConfig, serverEnv: Env): RunPlan {
  const composite = planComposite(request, config.composite);
  const budget = effectiveBudget(config.budget, request.budget);
  if (!budget.ok) throw new PlanError(budget.field, budget.message);
  const network = planNetwork(request, config);
  const available = availableModelEnv(serverEnv, request.apiKeys);
  const model = chooseModel(modelRequest(request, config), available);
  const systemPrompt = request.systemPrompt ?? config.systemPrompt;
  const allowedTools = request.allowedTools ?? config.allowedTools;
  const thinkingLevel = request.thinkingLevel ?? config.thinkingLevel;
  const outputFormat = request.outputFormat ?? config.outputFormat;
  const maxTurns = request.maxTurns ?? config.maxTurns;
  const runner: RunPlan["runner"] = {
    prompt: request.prompt,
    // Resolved here once, so the runner cannot pick differently from what init announced.
    ...(model.ok ? { provider: model.provider, model: model.model } : {}),
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
    env: model.ok ? envForProvider(available, model.provider) : {},
    model,
    composite,
    budget: budget.budget,
    network,
  };
}
