// The skills and sub-agents of one run, as run extensions (see run/run-extension.ts). Planned before
// the run starts, so a bad skill or agent is a 400 naming its field, never a failed stream.
import type { QueryRequest, SandcasterConfig } from "@sandcaster/protocol";
import type { RunPlan } from "../run/plan-run.js";
import type { RunExtension } from "../run/run-extension.js";
import { planSkills } from "../skills/plan-skills.js";
import { skillsExtension } from "../skills/skills-extension.js";
import { planSubAgents } from "./plan-subagents.js";

export async function planAgentAddons(
  request: QueryRequest,
  config: SandcasterConfig,
  plan: RunPlan,
): Promise<RunExtension[]> {
  const agents = planSubAgents(request, config, plan);
  const skills = await planSkills(request, config);
  const addons: RunExtension[] = [];
  if (skills.length > 0) addons.push(skillsExtension(skills));
  if (Object.keys(agents).length > 0) {
    addons.push({ name: "subagents", open: () => ({ runner: { config: { agents } } }) });
  }
  return addons;
}
