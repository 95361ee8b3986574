// Depth-first, sorted walk of a directory tree for list_files and grep, skipping bulky dirs.
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";

/** Listed when met, but never entered: their contents drown everything else. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([".git", "node_modules"]);

export interface WalkEntry {
  /** Absolute path. */
  path: string;
  /** Slash-separated path relative to the walk's start directory. */
  rel: string;
  dirent: Dirent;
}

export interface WalkOptions {
  maxDepth: number;
  signal: AbortSignal;
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Yields every entry under `start` in path order. Symlinks are yielded but never followed,
 * so a link cannot lead the walk outside the working directory. Unreadable directories are
 * skipped rather than failing the whole walk.
 */
export async function* walk(
  start: string,
  options: WalkOptions,
  depth = 1,
  prefix = "",
): AsyncGenerator<WalkEntry> {
  if (depth > options.maxDepth || options.signal.aborted) return;
  let entries: Dirent[];
  try {
    entries = await readdir(start, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort(byName);
  for (const dirent of entries) {
    if (options.signal.aborted) return;
    const entry: WalkEntry = {
      path: path.join(start, dirent.name),
      rel: prefix + dirent.name,
      dirent,
    };
    yield entry;
    if (dirent.isDirectory() && !SKIPPED_DIRS.has(dirent.name)) {
      yield* walk(entry.path, options, depth + 1, `${entry.rel}/`);
    }
  }
}
