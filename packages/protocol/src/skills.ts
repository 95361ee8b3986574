// Skills (the Agent Skills format): SKILL.md folders whose name and description go in the system
// prompt while the body is read on demand through the runner's `read_skill` tool.
import * as z from "zod";

/** The tool through which the agent reads a skill's body. */
export const READ_SKILL_TOOL = "read_skill";

/** Same characters the published protocol accepts for skill and agent names. */
export const SKILL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const SkillNameSchema = z
  .string()
  .regex(SKILL_NAME_PATTERN, "letters, digits, '_' and '-', at most 64");

/** Description shown to the model for every skill, so it is kept short (Agent Skills: 1024). */
export const SKILL_DESCRIPTION_MAX = 1024;
/** One SKILL.md, front matter included. */
export const SKILL_MARKDOWN_MAX = 200_000;

/** A record keyed by skill or agent names; a bad key is named with what names may hold. */
export function namedRecord<T extends z.ZodType>(value: T, max: number, what: string) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    const keys = Object.keys(record);
    if (keys.length > max) ctx.addIssue({ code: "custom", message: `at most ${max} ${what}` });
    for (const key of keys) {
      if (!SKILL_NAME_PATTERN.test(key)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `a name has letters, digits, '_' and '-' only, at most 64`,
        });
      }
    }
  });
}

/** Request `extraSkills`: `{name: SKILL.md text}`, added to sandcaster.json's skillsDir ones. */
export const ExtraSkillsSchema = namedRecord(
  z.string().min(1).max(SKILL_MARKDOWN_MAX),
  50,
  "extra skills",
);

/** Request `allowedSkills`: only these skills (by name) are offered; an unknown name is a 400. */
export const AllowedSkillsSchema = z.array(SkillNameSchema).max(100);

/** What the runner is told: where the uploaded skill folders are, and what each one is for. */
export const RunnerSkillsSchema = z.strictObject({
  /** Folder in the sandbox holding `<name>/SKILL.md` for each skill below. */
  dir: z.string().min(1),
  list: z
    .array(
      z.strictObject({
        name: SkillNameSchema,
        description: z.string().min(1).max(SKILL_DESCRIPTION_MAX),
      }),
    )
    .max(200),
});
export type RunnerSkills = z.output<typeof RunnerSkillsSchema>;
