import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PlanError } from "../errors/plan-error.js";
import { SandcasterError } from "../errors/sandcaster-error.js";
import { parseSkill, SkillFormatError } from "./parse-skill.js";
import { planSkills } from "./plan-skills.js";

describe("parseSkill", () => {
  it("reads name and description from the front matter", async () => {
    const text = '---\nname: a\ndescription: "Does: things"\nlicense: MIT\n---\nbody';
    expect(await parseSkill("a", text)).toEqual({ name: "a", description: "Does: things" });
  });

  it("describes a skill without front matter by its first line (published starters)", async () => {
    expect(await parseSkill("owasp", "\n# OWASP Top 10 Review\n\nsteps")).toEqual({
      name: "owasp",
      description: "OWASP Top 10 Review",
    });
  });

  it.each([
    ["---\ndescription: [x\n---\n", "not valid YAML"],
    ["---\n- a\n- b\n---\n", "mapping"],
    ["---\nname: b\ndescription: x\n---\n", 'must be "a"'],
    ["---\nname: a\ndescription: 3\n---\n", "description"],
    ["---\nname: a\n", "never closed"],
    [`---\ndescription: ${"x".repeat(1025)}\n---\n`, "longer than 1024"],
    ["   \n", "empty"],
  ])("refuses %j", async (text, detail) => {
    await expect(parseSkill("a", text)).rejects.toThrow(SkillFormatError);
    await expect(parseSkill("a", text)).rejects.toThrow(detail);
  });
});

describe("planSkills", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function skillsDir(skills: Record<string, string>) {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-plan-skills-"));
    for (const [name, text] of Object.entries(skills)) {
      await mkdir(join(dir, name), { recursive: true });
      await writeFile(join(dir, name, "SKILL.md"), text);
    }
    return dir;
  }

  it("merges the dir and the request (the request wins) and filters by allowedSkills", async () => {
    const root = await skillsDir({
      one: "---\ndescription: from dir\n---\n",
      two: "---\ndescription: two\n---\n",
    });
    await writeFile(join(root, "two", "helper.sh"), "echo hi");
    await symlink("/etc/passwd", join(root, "two", "passwd"));
    const all = await planSkills(
      { extraSkills: { one: "---\ndescription: from request\n---\n" } },
      { skillsDir: root },
    );
    expect(all.map((s) => [s.name, s.description])).toEqual([
      ["one", "from request"],
      ["two", "two"],
    ]);
    // Symlinks are not followed: a skill folder cannot carry host files into the sandbox.
    expect(all[1]?.files.map((f) => f.path)).toEqual(["helper.sh"]);
    const some = await planSkills({ allowedSkills: ["two"] }, { skillsDir: root });
    expect(some.map((s) => s.name)).toEqual(["two"]);
  });

  it("names the request's field, and the server's file, when something is wrong", async () => {
    await expect(planSkills({ allowedSkills: ["nope"] }, {})).rejects.toMatchObject({
      field: "allowedSkills.0",
    });
    await expect(planSkills({ extraSkills: { x: "---\nname: y\n---\n" } }, {})).rejects.toSatisfy(
      (error) => PlanError.isInstance(error) && error.field === "extraSkills.x",
    );
    const root = await skillsDir({ bad: "---\ndescription: [\n---\n" });
    const refused = await planSkills({}, { skillsDir: root }).catch((error: unknown) => error);
    expect(SandcasterError.isInstance(refused) && refused.code).toBe("INVALID_CONFIG");
    expect(String((refused as Error).message)).toContain(join(root, "bad", "SKILL.md"));
    const missing = await planSkills({}, { skillsDir: join(root, "absent") }).catch((e) => e);
    expect(SandcasterError.isInstance(missing) && missing.code).toBe("INVALID_CONFIG");
  });
});
