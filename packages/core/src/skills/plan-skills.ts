// Which skills a run gets: sandcaster.json skillsDir's plus the request's extraSkills (which win on
// a shared name), narrowed by allowedSkills. Every refusal happens here, before the run starts.
import type { QueryRequest, SandcasterConfig } from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import { loadSkillsDir } from "./load-skills-dir.js";
import { parseSkill, SkillFormatError } from "./parse-skill.js";
import type { SkillSource } from "./skill-source.js";

/** In the request's order, one at a time: the first bad skill is the one named. */
async function extraSkills(extra: Readonly<Record<string, string>>): Promise<SkillSource[]> {
  const skills: SkillSource[] = [];
  for (const [name, markdown] of Object.entries(extra)) {
    try {
      skills.push({ ...(await parseSkill(name, markdown)), markdown, files: [] });
    } catch (error) {
      if (error instanceof SkillFormatError) {
        throw new PlanError(`extraSkills.${name}`, `skill "${name}": ${error.detail}`);
      }
      throw error;
    }
  }
  return skills;
}

export async function planSkills(
  request: Pick<QueryRequest, "extraSkills" | "allowedSkills">,
  config: Pick<SandcasterConfig, "skillsDir">,
  cwd?: string,
): Promise<SkillSource[]> {
  // The request is checked first: its own mistakes are named even when the server's dir is bad.
  const extra = await extraSkills(request.extraSkills ?? {});
  const fromDir = config.skillsDir ? await loadSkillsDir(config.skillsDir, cwd) : [];
  const byName = new Map<string, SkillSource>();
  for (const skill of [...fromDir, ...extra]) byName.set(skill.name, skill);
  const allowed = request.allowedSkills;
  if (!allowed) return [...byName.values()];
  allowed.forEach((name, index) => {
    if (!byName.has(name)) {
      const known = [...byName.keys()].join(", ") || "none";
      throw new PlanError(
        `allowedSkills.${index}`,
        `no skill named "${name}" (known skills: ${known})`,
      );
    }
  });
  const wanted = new Set(allowed);
  return [...byName.values()].filter((skill) => wanted.has(skill.name));
}
