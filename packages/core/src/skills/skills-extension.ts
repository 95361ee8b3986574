// Puts a run's skills into its sandbox (outside the workspace, so they are never taken for the
// agent's work) and tells the runner where they are and what each is for.
import { posix } from "node:path";
import type { StagedFile } from "@sandcaster/protocol";
import type { RunExtension } from "../run/run-extension.js";
import type { SkillSource } from "./skill-source.js";

const encoder = new TextEncoder();

function skillFiles(dir: string, skills: readonly SkillSource[]): StagedFile[] {
  return skills.flatMap((skill) => [
    {
      path: posix.join(dir, skill.name, "SKILL.md"),
      content: encoder.encode(skill.markdown),
      mode: 0o644,
    },
    ...skill.files.map((file) => ({
      path: posix.join(dir, skill.name, file.path),
      content: file.content,
      mode: 0o644,
    })),
  ]);
}

export function skillsExtension(skills: readonly SkillSource[]): RunExtension {
  return {
    name: "skills",
    async open({ sandbox, signal }) {
      const dir = posix.join(sandbox.runnerDir, "skills");
      await sandbox.writeFiles(skillFiles(dir, skills), signal);
      const list = skills.map(({ name, description }) => ({ name, description }));
      return { runner: { config: { skills: { dir, list } } } };
    },
  };
}
