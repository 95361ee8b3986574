// Grades the sandbox probes: what the chosen sandbox provider needs must work; the rest only warns.
import type { SandboxProviderName, SandcasterConfig } from "@sandcaster/protocol";
import { type CheckResult, type Finding, grade } from "./check.js";
import { dockerChecks } from "./docker-checks.js";
import type { BwrapFinding } from "./probe-bwrap.js";
import type { DockerFindings } from "./probe-docker.js";

export interface SandboxFindings {
  docker: DockerFindings;
  bwrap: BwrapFinding;
  /** Undefined without E2B_API_KEY. */
  e2b: Finding | undefined;
}

/** The provider a run without its own `sandboxProvider` gets (the server's selector, in order). */
export function chosenSandbox(
  config: SandcasterConfig,
  env: Readonly<Record<string, string | undefined>>,
  dockerUp: boolean,
): { name: SandboxProviderName; why: string } {
  if (config.sandboxProvider)
    return { name: config.sandboxProvider, why: "sandboxProvider in sandcaster.json" };
  if (env.E2B_API_KEY) return { name: "e2b", why: "E2B_API_KEY is set" };
  if (dockerUp) return { name: "docker", why: "a Docker daemon answers" };
  return { name: "local", why: "no E2B key and no Docker daemon" };
}

export function sandboxChecks(
  config: SandcasterConfig,
  chosen: { name: SandboxProviderName; why: string },
  found: SandboxFindings,
): CheckResult[] {
  const { docker, bwrap, e2b } = found;
  const isolation = config.local.isolation;
  const results = [
    grade("docker", docker.daemon, chosen.name === "docker"),
    docker.image
      ? grade("image", docker.image, chosen.name === "docker")
      : { id: "image", status: "skip" as const, message: "not checked: no Docker daemon" },
    ...(chosen.name === "docker" ? dockerChecks(config, docker.storage) : []),
    isolation === "none"
      ? {
          id: "bubblewrap",
          status: "skip" as const,
          message: 'not used: local.isolation is "none"',
        }
      : grade("bubblewrap", bwrap, chosen.name === "local" && isolation === "bwrap"),
    e2b
      ? grade("e2b", e2b, chosen.name === "e2b")
      : chosen.name === "e2b"
        ? grade(
            "e2b",
            { ok: false, message: "E2B_API_KEY is not set", hint: "export E2B_API_KEY=…" },
            true,
          )
        : {
            id: "e2b",
            status: "skip" as const,
            message: "E2B_API_KEY not set (only the e2b sandbox needs it)",
          },
  ];
  // What a local sandbox gets here: never silent about a limit it cannot hold (warnings, not failures).
  const local =
    isolation !== "none" && bwrap.local
      ? [
          grade("sandbox-user", bwrap.local.user, chosen.name === "local" && isolation === "bwrap"),
          grade("local-limits", bwrap.local.limits, false),
          grade("local-disk", bwrap.local.disk, false),
        ]
      : [];
  return [...results, ...local, verdict(chosen, results, isolation, bwrap)];
}

function verdict(
  chosen: { name: SandboxProviderName; why: string },
  results: CheckResult[],
  isolation: SandcasterConfig["local"]["isolation"],
  bwrap: Finding,
): CheckResult {
  const label = `${chosen.name} (${chosen.why})`;
  if (chosen.name === "local") {
    if (isolation === "none")
      return {
        id: "sandbox",
        status: "warn",
        message: `${label}: runs are NOT isolated`,
        hint: 'set local.isolation to "auto"',
      };
    if (bwrap.ok)
      return { id: "sandbox", status: "ok", message: `${label}, isolated by bubblewrap` };
    if (isolation === "bwrap")
      return {
        id: "sandbox",
        status: "fail",
        message: `${label}: needs bubblewrap, which does not work here`,
        hint: bwrap.hint,
      };
    return {
      id: "sandbox",
      status: "warn",
      message: `${label}: runs would NOT be isolated (no working bubblewrap)`,
      hint: bwrap.hint,
    };
  }
  const needed = chosen.name === "docker" ? ["docker", "image"] : ["e2b"];
  const broken = results.find((r) => needed.includes(r.id) && r.status !== "ok");
  return broken
    ? {
        id: "sandbox",
        status: "fail",
        message: `${label}: ${broken.id} is not ready`,
        hint: broken.hint,
      }
    : { id: "sandbox", status: "ok", message: `${label}, ready` };
}
