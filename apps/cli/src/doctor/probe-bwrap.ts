// Is bubblewrap installed, can it really create the user namespace a local sandbox needs, and
// what does a local sandbox get here: which host user, which limits.
import { BWRAP_HINT, inspectLocalHost } from "@sandcaster/core";
import type { Finding } from "./check.js";

const LIMITS_HINT = "run the server as root on a host with cgroups, or use the docker sandbox";

export interface BwrapFinding extends Finding {
  /** What a local sandbox gets on this host (when bwrap works). */
  local?: { user: Finding; limits: Finding; disk: Finding };
}

export async function probeBwrap(
  _signal?: AbortSignal,
  sandboxUser?: string,
): Promise<BwrapFinding> {
  // The provider's own probe: node under the same namespaces and binds a sandbox gets, as the
  // host user a sandbox runs as.
  const report = await inspectLocalHost(sandboxUser ? { sandboxUser } : {});
  const status = report.bwrap;
  if (!status.ok) {
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
  const { runsAs, cgroups, disk } = report;
  return {
    ok: true,
    message: `${status.bwrapPath} creates user namespaces`,
    local: {
      user: runsAs.root
        ? {
            ok: false,
            message: `sandboxed processes would run as HOST ROOT: ${runsAs.reason ?? ""}`,
            hint: "allow user namespaces for local.sandboxUser (e.g. a `sandcaster` system user), or use the docker sandbox",
          }
        : { ok: true, message: `sandboxed processes run as ${runsAs.label}, never host root` },
      limits: cgroups.ok
        ? {
            ok: true,
            message: `memory, CPU and process limits enforced (cgroup v${cgroups.version})`,
          }
        : {
            ok: false,
            message: `memory, CPU and process limits NOT enforced: ${cgroups.reason}`,
            hint: LIMITS_HINT,
          },
      disk: disk.ok
        ? {
            ok: true,
            message:
              "workspace disk limit enforced (loop-mounted image, also for each session's workspace)",
          }
        : {
            ok: false,
            message: `workspace disk limit NOT enforced: ${disk.reason}`,
            hint: LIMITS_HINT,
          },
    },
  };
}
