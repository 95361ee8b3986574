// Shell text run inside the sandbox (E2B runs commands as `bash -l -c <text>`): quoting, staging marker, scan, killer.
import { posix } from "node:path";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { HOME_DIR, PROCESS_MARK_ENV, STAGED_MARKER, STATE_DIR } from "./constants.js";

/** A path under HOME_DIR as helper scripts name it: relative (they run in HOME_DIR). */
export function fromHome(path: string): string {
  const rel = posix.relative(HOME_DIR, path);
  if (rel === "" || rel.startsWith("../")) throw new Error(`${path} is not under ${HOME_DIR}`);
  return rel;
}

/** One shell word, quoted so that bash passes it through verbatim. */
export function shellQuote(value: string): string {
  if (value.includes("\0")) {
    throw new SandboxError("SANDBOX_EXEC_FAILED", "arguments cannot contain NUL bytes");
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `exec argv…`: bash replaces itself, so the command is the process E2B tracks and signals. */
export function execLine(argv: readonly string[]): string {
  if (argv.length === 0 || !argv[0]) {
    throw new SandboxError("SANDBOX_EXEC_FAILED", "spawn() needs a non-empty command");
  }
  return `exec ${argv.map(shellQuote).join(" ")}`;
}

const ENV_KEY = /^[^=\0]+$/;

export function checkEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_KEY.test(key) || value.includes("\0")) {
      throw new SandboxError(
        "SANDBOX_EXEC_FAILED",
        `invalid environment variable ${JSON.stringify(key)}`,
      );
    }
  }
  return { ...env };
}

/** Throws unless `path` is a normalized absolute file path under one of `roots`. */
export function checkStagedPath(path: string, roots: readonly string[]): void {
  const inRoot = roots.some((root) => path.startsWith(`${root}/`));
  if (!path.startsWith("/") || posix.normalize(path) !== path || path.endsWith("/") || !inRoot) {
    throw new SandboxError(
      "SANDBOX_IO_FAILED",
      `Cannot stage ${JSON.stringify(path)}: files must be normalized absolute paths under ${roots.join(" or ")}`,
    );
  }
}

/** Creates the sandbox's directories and the initial staged marker. */
export function setupScript(dirs: readonly string[]): string {
  const all = [...dirs, STATE_DIR].map((dir) => shellQuote(fromHome(dir)));
  return `set -e; mkdir -p -- ${all.join(" ")}; ${markScript()}`;
}

/**
 * Touches the staged marker, then waits (up to ~0.5 s) until the filesystem clock has moved past
 * it, so that any later write gets a newer ctime even within the same clock tick.
 */
function markScript(): string {
  const marker = shellQuote(fromHome(STAGED_MARKER));
  const probe = shellQuote(fromHome(`${STATE_DIR}/probe`));
  return (
    `touch ${marker}; i=0; while [ "$i" -lt 100 ]; do touch ${probe}; ` +
    `[ ${probe} -nt ${marker} ] && break; i=$((i+1)); sleep 0.005; done`
  );
}

/** chmod for the staged files (E2B writes files 0644; never setuid/setgid/sticky), then the marker. */
export function stageScript(modes: ReadonlyMap<number, readonly string[]>): string {
  const chmods = [...modes].map(
    ([mode, paths]) =>
      `chmod ${(mode & 0o777).toString(8)} -- ${paths.map((p) => shellQuote(fromHome(p))).join(" ")}`,
  );
  return ["set -e", ...chmods, markScript()].join("; ");
}

/**
 * Lists regular files under `root` whose ctime is newer than the staged marker (every file when
 * the marker is missing) as `<size> <relative path>\0`. Symlinks are neither followed nor listed;
 * ctime cannot be set back by user code.
 */
export function scanScript(root: string): string {
  const r = shellQuote(fromHome(root));
  const m = shellQuote(fromHome(STAGED_MARKER));
  const format = "'%s %P\\0'";
  return (
    `if [ -e ${m} ]; then find ${r} -type f -cnewer ${m} -printf ${format}; ` +
    `else find ${r} -type f -printf ${format}; fi`
  );
}

export function parseScan(output: string): { path: string; size: number }[] {
  const rows: { path: string; size: number }[] = [];
  for (const record of output.split("\0")) {
    const space = record.indexOf(" ");
    if (space <= 0) continue;
    const size = Number(record.slice(0, space));
    const path = record.slice(space + 1);
    if (path && Number.isSafeInteger(size)) rows.push({ path, size });
  }
  return rows;
}

/**
 * SIGKILLs every process whose environment carries PROCESS_MARK_ENV=<id> (the spawned command
 * and all its descendants, even those that left its process group), until none is left.
 * Pure bash (no fork per process). Exit 0 when the tree is gone.
 */
export function killerScript(id: string): string {
  return killMarkedScript(shellQuote(`${PROCESS_MARK_ENV}=${id}`));
}

/**
 * The same for every process whose mark starts with `prefix` (all spawns of one sandbox: the
 * strays of earlier turns of a session). Exit 0 when none is left.
 */
export function strayKillerScript(prefix: string): string {
  return killMarkedScript(`${shellQuote(`${PROCESS_MARK_ENV}=${prefix}`)}*`);
}

/** `pattern`: a bash `case` pattern (quoted parts match literally) for one environ entry. */
function killMarkedScript(pattern: string): string {
  return [
    "cd /proc || exit 1",
    "for round in $(seq 1 300); do",
    "  found=0",
    "  for pid in [0-9]*; do",
    '    [ "$pid" = "$$" ] && continue',
    `    while IFS= read -r -d '' kv; do`,
    `      case "$kv" in ${pattern}) kill -9 "$pid" 2>/dev/null && found=1; break ;; esac`,
    '    done 2>/dev/null < "$pid/environ"',
    "  done",
    '  [ "$found" = 0 ] && exit 0',
    "  sleep 0.01",
    "done",
    "exit 1",
  ].join("\n");
}
