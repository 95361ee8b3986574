// Shell text for session workspaces: a resumed turn's clean start, and the workspace as a tar archive.
import { posix } from "node:path";
import { EXPORT_TAR, IMPORT_TAR, RUNNER_DIR, STATE_DIR, WORKSPACE_PATH } from "./constants.js";
import { fromHome, setupScript, shellQuote, strayKillerScript } from "./shell.js";

const q = (path: string) => shellQuote(fromHome(path));

/**
 * Starts a turn in a resumed session sandbox: kills what earlier turns left running (a memory
 * snapshot keeps processes; marks start with the sandbox id), empties the runner and state dirs
 * (each turn stages its own runner), then sets up as a new sandbox does, which re-arms the staged
 * marker so that readChangedFiles() sees only this turn's changes.
 */
export function resumeScript(sandboxId: string): string {
  return [
    `( ${strayKillerScript(`${sandboxId}.`)} ) || echo 'processes of an earlier turn survived' >&2`,
    `rm -rf -- ${q(RUNNER_DIR)} ${q(STATE_DIR)}`,
    setupScript([WORKSPACE_PATH, RUNNER_DIR]),
  ].join("\n");
}

/**
 * Archives the workspace's regular files and directories (relative names, no symlinks, special
 * files or hard links: linked files are stored as copies) into EXPORT_TAR, as POSIX pax.
 */
export function exportScript(): string {
  const archive = shellQuote(posix.relative(WORKSPACE_PATH, EXPORT_TAR));
  return [
    "set -eo pipefail",
    `mkdir -p -- ${q(STATE_DIR)} ${q(WORKSPACE_PATH)}`,
    `cd -- ${q(WORKSPACE_PATH)}`,
    `find . -mindepth 1 \\( -type f -o -type d \\) -printf '%P\\0' | ` +
      `tar --null --no-recursion --hard-dereference --format=posix -cf ${archive} -T -`,
  ].join("\n");
}

/**
 * Replaces the workspace with IMPORT_TAR's contents (already checked on the host: regular files
 * and directories only, relative, no `..`), then drops the archive.
 */
export function importScript(): string {
  return [
    "set -e",
    `rm -rf -- ${q(WORKSPACE_PATH)}`,
    `mkdir -p -- ${q(WORKSPACE_PATH)}`,
    `tar -xf ${q(IMPORT_TAR)} -C ${q(WORKSPACE_PATH)} --no-same-owner`,
    `rm -f -- ${q(IMPORT_TAR)}`,
  ].join("\n");
}

/** Drops a leftover archive (best effort, after an export has read it). */
export function dropArchiveScript(): string {
  return `rm -f -- ${q(EXPORT_TAR)} ${q(IMPORT_TAR)}`;
}
