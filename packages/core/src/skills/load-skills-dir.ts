// Reads sandcaster.json `skillsDir`: one folder per skill holding SKILL.md and any files it refers
// to (scripts, references), all uploaded with it. Read per run, so edits apply without a restart.
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { ERROR_CODES, SKILL_MARKDOWN_MAX, SKILL_NAME_PATTERN } from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";
import { parseSkill, SkillFormatError } from "./parse-skill.js";
import type { SkillSource } from "./skill-source.js";

/** Bounds per skill folder: a skill is instructions plus a few helpers, not a dataset. */
const MAX_FILES = 100;
const MAX_BYTES = 5 * 1024 * 1024;

function configError(message: string): SandcasterError {
  return new SandcasterError(ERROR_CODES.INVALID_CONFIG, message, {
    hint: "fix the skill in sandcaster.json skillsDir (each folder: SKILL.md with front matter name and description)",
  });
}

/** Regular files of one skill folder (symlinks are skipped: they could point anywhere on the host). */
async function folderFiles(folder: string, name: string) {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files: { path: string; content: Uint8Array }[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const path = relative(folder, full).split(sep).join("/");
    if (path === "SKILL.md") continue;
    const content = new Uint8Array(await readFile(full));
    bytes += content.byteLength;
    if (files.length >= MAX_FILES || bytes > MAX_BYTES) {
      throw configError(
        `skill "${name}" is too large (at most ${MAX_FILES} files and ${MAX_BYTES} bytes)`,
      );
    }
    files.push({ path, content });
  }
  return files;
}

async function loadSkill(root: string, name: string): Promise<SkillSource | undefined> {
  const folder = join(root, name);
  const markdownPath = join(folder, "SKILL.md");
  const stat = await lstat(markdownPath).catch(() => undefined);
  if (!stat?.isFile()) return undefined; // a folder without SKILL.md is not a skill
  if (!SKILL_NAME_PATTERN.test(name)) {
    throw configError(`skill folder "${name}" has a name other than letters, digits, '_' and '-'`);
  }
  if (stat.size > SKILL_MARKDOWN_MAX) {
    throw configError(`skill "${name}": SKILL.md is larger than ${SKILL_MARKDOWN_MAX} bytes`);
  }
  const markdown = await readFile(markdownPath, "utf8");
  try {
    const parsed = await parseSkill(name, markdown);
    return { ...parsed, markdown, files: await folderFiles(folder, name) };
  } catch (error) {
    if (error instanceof SkillFormatError) {
      throw configError(`skill "${name}" (${markdownPath}): ${error.detail}`);
    }
    throw error;
  }
}

/** Every skill of `dir` (resolved against `cwd`), by folder name; a missing dir is an error. */
export async function loadSkillsDir(dir: string, cwd = process.cwd()): Promise<SkillSource[]> {
  const root = resolve(cwd, dir);
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    throw configError(`skillsDir ${root} cannot be read: ${(error as Error).message}`);
  }
  const names = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort();
  const skills: SkillSource[] = [];
  for (const name of names) {
    const skill = await loadSkill(root, name);
    if (skill) skills.push(skill);
  }
  return skills;
}
