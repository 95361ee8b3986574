// The runner bundle in a sandbox's host dir, placed there host-side at create() (a hard link of
// the server's bundle, or a copy across filesystems): the container sees it read-only at
// SANDBOX_HOST_DIR, so no run copies 1.5 MB through Docker's archive API (~130 ms a call here,
// whatever the size) and the sandbox cannot change it. A run's config goes beside it the same way.
import { constants } from "node:fs";
import { chmod, copyFile, link, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { SANDBOX_HOST_DIR } from "@sandcaster/protocol";

const RUNNER_NAME = "runner.mjs";
const CONFIG_NAME = "config.json";

/** Links (or copies) `bundlePath` into `hostDir`; resolves to the path the sandbox runs. */
export async function installRunner(bundlePath: string, hostDir: string): Promise<string> {
  const target = join(hostDir, RUNNER_NAME);
  try {
    await link(bundlePath, target);
  } catch {
    // Another filesystem (EXDEV) or a hardening policy on links: a private copy, never writable
    // by others (the bind is read-only anyway).
    await copyFile(bundlePath, target, constants.COPYFILE_EXCL);
    await chmod(target, 0o644);
  }
  return posix.join(SANDBOX_HOST_DIR, RUNNER_NAME);
}

/** Writes a run's config into `hostDir` (0644: the sandbox user reads it, only the server writes). */
export async function writeRunnerConfig(hostDir: string, content: Uint8Array): Promise<string> {
  const target = join(hostDir, CONFIG_NAME);
  // flag "wx": a sandbox serves one run, so an existing config means a second run: refused.
  await writeFile(target, content, { mode: 0o644, flag: "wx" });
  await chmod(target, 0o644);
  return posix.join(SANDBOX_HOST_DIR, CONFIG_NAME);
}
