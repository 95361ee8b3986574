// The skills and sub-agents of one run, as run extensions (see run/run-extension.ts). Planned before
// the run starts, so a bad skill or agent is a 400 naming its field, never a failed stream.
import type { ModelProvider, QueryRequest, SandcasterConfig } from "@sandcaster/protocol";
import { availableModelEnv, envForProvider } from "../run/model-env.js";
import type { RunPlan } from "../run/plan-run.js";
import type { RunExtension } from "../run/run-extension.js";
import { planSkills } from "../skills/plan-skills.js";
import { skillsExtension } from "../skills/skills-extension.js";
import { planSubAgents } from "./plan-subagents.js";

export interface AgentAddonsPlan {
  extensions: RunExtension[];
  /** The run's plan, widened by the providers of sub-agents of another family (and their keys). */
  plan: RunPlan;
}

/** The plan with the keys of the sub-agents' other providers (the gateway keeps them on the host). */
function widened(plan: RunPlan, providers: ModelProvider[], available: Record<string, string>) {
  if (providers.length === 0) return plan;
  const env = { ...plan.env };
  for (const provider of providers) Object.assign(env, envForProvider(available, provider));
  return { ...plan, env, subAgentProviders: providers };
}

export async function planAgentAddons(
  request: QueryRequest,
  config: SandcasterConfig,
  plan: RunPlan,
  serverEnv: Readonly<Record<string, string | undefined>>,
): Promise<AgentAddonsPlan> {
  const available = availableModelEnv(serverEnv, request.apiKeys);
  const agents = planSubAgents(request, config, plan, available);
  const providers = [
    ...new Set(Object.values(agents).flatMap((a) => (a.provider ? [a.provider] : []))),
  ];
  const skills = await planSkills(request, config);
  const addons: RunExtension[] = [];
  if (skills.length > 0) addons.push(skillsExtension(skills));
  if (Object.keys(agents).length > 0) {
    addons.push({ name: "subagents", open: () => ({ runner: { config: { agents } } }) });
  }
  return { extensions: addons, plan: widened(plan, providers, available) };
}
