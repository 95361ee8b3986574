// Copies a project starter into a directory: refuses a non-empty one unless forced, and reports
// every file it wrote.
import { existsSync } from "node:fs";
import { cp, mkdir, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ProjectStarter } from "./catalog.js";

export type ScaffoldOutcome = { ok: true; written: string[] } | { ok: false; reason: string };

/** Every file under `dir`, relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

export async function scaffoldStarter(
  starter: ProjectStarter,
  target: string,
  force: boolean,
): Promise<ScaffoldOutcome> {
  if (existsSync(target) && !force) {
    const present = await readdir(target).catch(() => null);
    if (present === null) return { ok: false, reason: `${target} is not a directory` };
    if (present.length > 0)
      return {
        ok: false,
        reason: `${target} is not empty; nothing written (--force writes into it)`,
      };
  }
  await mkdir(target, { recursive: true });
  // force: the starter's files replace ones of the same name; anything else there stays.
  await cp(starter.dir, target, { recursive: true, force: true });
  return { ok: true, written: (await filesUnder(starter.dir)).map((file) => join(target, file)) };
}
