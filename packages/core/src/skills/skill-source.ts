// A skill as the host holds it before upload: validated front matter, the whole SKILL.md, and the
// other files of its folder (none for an extraSkills entry).
export interface SkillSource {
  name: string;
  description: string;
  markdown: string;
  /** Paths relative to the skill's folder, "/"-separated. */
  files: { path: string; content: Uint8Array }[];
}
