// The tar entries staging writes into a Docker sandbox: the files, their missing parent dirs (owned
// by the sandbox user), the scratch dirs and the staged marker.
import { posix } from "node:path";
import type { StagedFile } from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { SANDBOX_GID, SANDBOX_UID, STAGED_MARKER } from "./constants.js";
import { archiveName, type TarEntry } from "./tar.js";

const owned = { uid: SANDBOX_UID, gid: SANDBOX_GID };
/** The tar entry that marks the staged point in time; always the archive's last entry. */
export function stagedMarkerEntry(): TarEntry {
  return { name: archiveName(STAGED_MARKER), type: "file", mode: 0o600, ...owned };
}

export function scratchDir(path: string, mode: number): TarEntry {
  return { name: `${archiveName(path)}/`, type: "directory", mode, ...owned };
}

/** Tar entries for staged files: missing parent directories (owned by the sandbox user) first. */
export function stagedEntries(files: readonly StagedFile[], roots: readonly string[]): TarEntry[] {
  const dirs = new Set<string>();
  const entries: TarEntry[] = [];
  for (const file of files) {
    const path = file.path;
    const root = roots.find((candidate) => path.startsWith(`${candidate}/`));
    if (!path.startsWith("/") || posix.normalize(path) !== path || path.endsWith("/") || !root) {
      throw new SandboxError(
        "SANDBOX_IO_FAILED",
        `Cannot stage ${JSON.stringify(path)}: files must be normalized absolute paths under ${roots.join(" or ")}`,
      );
    }
    for (let dir = posix.dirname(path); dir !== root; dir = posix.dirname(dir)) dirs.add(dir);
    entries.push({
      name: archiveName(path),
      type: "file",
      content: file.content,
      mode: file.mode ?? 0o644,
      ...owned,
    });
  }
  const dirEntries = [...dirs]
    .sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1))
    .map(
      (dir): TarEntry => ({
        name: `${archiveName(dir)}/`,
        type: "directory",
        mode: 0o755,
        ...owned,
      }),
    );
  return [...dirEntries, ...entries];
}
