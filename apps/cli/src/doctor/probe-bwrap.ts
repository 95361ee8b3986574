// Is bubblewrap installed, and can it really create the user namespace a local sandbox needs?
import { BWRAP_HINT, checkBwrap } from "@sandcaster/core";
import type { Finding } from "./check.js";

export async function probeBwrap(): Promise<Finding> {
  // The provider's own probe: node under the same namespaces and binds a sandbox gets.
  const status = await checkBwrap(undefined, process.execPath);
  if (status.ok) return { ok: true, message: `${status.bwrapPath} creates user namespaces` };
  const missing = status.reason.includes("not found");
  return {
    ok: false,
    message: missing ? "bubblewrap (bwrap) is not installed" : status.reason,
    hint: missing
      ? BWRAP_HINT
      : "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or " +
        "kernel.apparmor_restrict_unprivileged_userns=0), or use the docker sandbox",
  };
}
