// Which sub-agents a run's `task` tool offers, resolved for the runner: sandcaster.json `agents`
// plus the request's extraAgents (which win on a shared name), narrowed by allowedAgents. Models
// must be the run's provider's: the run's gateway token (and its metering) covers that one only.
import {
  chooseModel,
  DEFAULT_SUBAGENT_MAX_TURNS,
  providerFromModelName,
  type QueryRequest,
  type RunnerSubAgent,
  type SandcasterConfig,
  type SubAgent,
  TOOL_NAMES,
} from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import type { RunPlan } from "../run/plan-run.js";

interface Named {
  name: string;
  field: string;
  agent: SubAgent;
}

function resolveModel(entry: Named, plan: RunPlan): string | undefined {
  if (!plan.model.ok) return undefined;
  const { provider, model } = plan.model;
  const wanted = entry.agent.model;
  if (!wanted) return model;
  const choice = chooseModel({ provider, model: wanted }, {});
  const resolved = choice.ok ? choice.model : wanted;
  // An alias with a name at this provider ("haiku" on openrouter) resolved to it above.
  const named = resolved === wanted ? providerFromModelName(wanted) : provider;
  if (named && named !== provider) {
    throw new PlanError(
      `${entry.field}.model`,
      `sub-agent "${entry.name}": model "${wanted}" is served by ${named}, but this run's model calls go to ${provider}; a sub-agent uses its run's provider`,
    );
  }
  return resolved;
}

/** Its own tools, never more than the run's (a request that narrows allowedTools narrows these). */
function resolveTools(agent: SubAgent, plan: RunPlan): string[] {
  const runTools: readonly string[] = plan.runner.allowedTools ?? TOOL_NAMES;
  const own: readonly string[] = agent.allowedTools ?? agent.tools ?? runTools;
  return own.filter((name) => runTools.includes(name));
}

export function planSubAgents(
  request: Pick<QueryRequest, "extraAgents" | "allowedAgents">,
  config: Pick<SandcasterConfig, "agents">,
  plan: RunPlan,
): Record<string, RunnerSubAgent> {
  const byName = new Map<string, Named>();
  for (const [name, agent] of Object.entries(config.agents ?? {}))
    byName.set(name, { name, field: `agents.${name}`, agent });
  for (const [name, agent] of Object.entries(request.extraAgents ?? {}))
    byName.set(name, { name, field: `extraAgents.${name}`, agent });
  const allowed = request.allowedAgents;
  allowed?.forEach((name, index) => {
    if (!byName.has(name)) {
      const known = [...byName.keys()].join(", ") || "none";
      throw new PlanError(
        `allowedAgents.${index}`,
        `no agent named "${name}" (known agents: ${known})`,
      );
    }
  });
  const out: Record<string, RunnerSubAgent> = {};
  for (const entry of byName.values()) {
    if (allowed && !allowed.includes(entry.name)) continue;
    const model = resolveModel(entry, plan);
    if (!model) continue; // no model at all: the run itself fails with the reason
    out[entry.name] = {
      description: entry.agent.description,
      systemPrompt: entry.agent.systemPrompt ?? entry.agent.prompt ?? "",
      model,
      allowedTools: resolveTools(entry.agent, plan),
      maxTurns: entry.agent.maxTurns ?? DEFAULT_SUBAGENT_MAX_TURNS,
    };
  }
  return out;
}
