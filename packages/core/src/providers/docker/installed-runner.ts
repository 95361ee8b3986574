// The runner bundle in a sandbox's host dir, placed there host-side at create() (a hard link of
// the server's bundle, or a copy across filesystems): the container sees it read-only at
// SANDBOX_HOST_DIR, so no run copies 1.5 MB through Docker's archive API (~130 ms a call here,
// whatever the size) and the sandbox cannot change it. A run's config is not put there: it holds
// the run's gateway token, and reaches the runner on its stdin.
import { constants } from "node:fs";
import { chmod, copyFile, link } from "node:fs/promises";
import { join, posix } from "node:path";
import { SANDBOX_HOST_DIR } from "@sandcaster/protocol";

export const RUNNER_NAME = "runner.mjs";

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
