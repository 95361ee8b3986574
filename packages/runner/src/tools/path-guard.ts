// Maps a path the model gave to a real path inside the working directory, or refuses it.
import { lstat, readlink, realpath } from "node:fs/promises";
import path from "node:path";

export type Resolved =
  | {
      ok: true /** Real absolute path (symlinks followed, even dangling ones). */;
      path: string /** Real path of cwd. */;
      root: string;
    }
  | { ok: false; error: string };

const MAX_LINK_HOPS = 40;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * The real path `p` refers to, even when its tail does not exist yet. A dangling symlink is
 * followed too: otherwise writing through it would create a file wherever it points.
 */
async function realResolve(p: string, hops: number): Promise<string> {
  try {
    return await realpath(p);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  const stat = await lstat(p).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
  if (stat?.isSymbolicLink()) {
    if (hops >= MAX_LINK_HOPS) throw new Error(`too many symbolic links at ${p}`);
    const target = path.resolve(path.dirname(p), await readlink(p));
    return realResolve(target, hops + 1);
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  return path.join(await realResolve(parent, hops), path.basename(p));
}

/** True when `target` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Relative paths resolve against cwd; absolute ones must already point inside it. The returned
 * path is the real one, so the caller operates on what was checked rather than on the model's
 * string (which `..` after a symlink could make mean something else to the kernel).
 */
export async function resolveInside(cwd: string, userPath: string): Promise<Resolved> {
  try {
    const root = await realpath(cwd);
    const target = await realResolve(path.resolve(root, userPath), 0);
    if (!isInside(root, target)) {
      return {
        ok: false,
        error: `path "${userPath}" is outside the working directory ${root}; only paths inside it can be used`,
      };
    }
    return { ok: true, path: target, root };
  } catch (err) {
    return { ok: false, error: `cannot resolve path "${userPath}": ${(err as Error).message}` };
  }
}

/** How a path is shown to the model: relative to the working directory, "." for itself. */
export function displayPath(root: string, target: string): string {
  return path.relative(root, target) || ".";
}
