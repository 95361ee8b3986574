// Which sub-agents a run's `task` tool offers, resolved for the runner: sandcaster.json `agents`
// plus the request's extraAgents (which win on a shared name), narrowed by allowedAgents. A model
// of another family than the run's (an OpenAI sub-agent on an Anthropic run) is called at its own
// provider through the run's gateway (same token, same meter and budget): its key must be there.
import {
  chooseModel,
  DEFAULT_SUBAGENT_MAX_TURNS,
  type ModelProvider,
  PROVIDER_KEY_VARS,
  providerFromModelName,
  type QueryRequest,
  type RunnerSubAgent,
  type SandcasterConfig,
  type SubAgent,
  TOOL_NAMES,
} from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import { upstreamFromEnv } from "../gateway/upstream.js";
import type { RunPlan } from "../run/plan-run.js";

interface Named {
  name: string;
  field: string;
  agent: SubAgent;
}

type Env = Readonly<Record<string, string | undefined>>;

interface Resolved {
  model: string;
  /** Set when it is not the run's provider. */
  provider?: ModelProvider | undefined;
}

function resolveModel(entry: Named, plan: RunPlan, available: Env): Resolved | undefined {
  if (!plan.model.ok) return undefined;
  const { provider, model } = plan.model;
  const wanted = entry.agent.model;
  if (!wanted) return { model };
  const choice = chooseModel({ provider, model: wanted }, {});
  const resolved = choice.ok ? choice.model : wanted;
  // An alias with a name at this provider ("haiku" on openrouter) resolved to it above.
  const named = resolved === wanted ? providerFromModelName(wanted) : provider;
  if (!named || named === provider) return { model: resolved };
  if (!upstreamFromEnv(named, available)) {
    const vars = PROVIDER_KEY_VARS[named].join(" or ");
    throw new PlanError(
      `${entry.field}.model`,
      `sub-agent "${entry.name}": model "${wanted}" is served by ${named}, and this server has no ${named} key (set ${vars}, or send apiKeys.${named})`,
    );
  }
  const other = chooseModel({ provider: named, model: wanted }, available);
  return { model: other.ok ? other.model : wanted, provider: named };
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
  /** Every provider's key and base URL the run may use (model-env.ts availableModelEnv). */
  available: Env = plan.env,
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
    const resolved = resolveModel(entry, plan, available);
    if (!resolved) continue; // no model at all: the run itself fails with the reason
    out[entry.name] = {
      description: entry.agent.description,
      systemPrompt: entry.agent.systemPrompt ?? entry.agent.prompt ?? "",
      model: resolved.model,
      ...(resolved.provider ? { provider: resolved.provider } : {}),
      allowedTools: resolveTools(entry.agent, plan),
      maxTurns: entry.agent.maxTurns ?? DEFAULT_SUBAGENT_MAX_TURNS,
    };
  }
  return out;
}
