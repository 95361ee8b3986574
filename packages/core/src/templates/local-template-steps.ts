// What a local template may hold and the steps that make it: the host's tools are fixed, so apt is
// refused; npm and pip install into the template's prefix; files and the workdir live under /opt.
import { posix } from "node:path";
import type { TemplateSpec } from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import { RESERVED_OPT_NAMES, TEMPLATE_PREFIX } from "../providers/local/template-mount.js";

export interface LocalStep {
  name: string;
  cmd: string[];
}

/** The /opt/<name> a sandbox path lives under, or undefined when it is not a template path. */
function optName(path: string): string | undefined {
  const parts = posix.normalize(path).split("/");
  if (parts[1] !== "opt" || !parts[2] || RESERVED_OPT_NAMES.includes(parts[2])) return undefined;
  return parts[2];
}

const WHERE = `under /opt/<name>/ (not /opt/${RESERVED_OPT_NAMES.join(" or /opt/")})`;

/** Refuses (400 naming the field) what a local template cannot hold. */
export function checkLocalSpec(spec: TemplateSpec): void {
  if (spec.packages.apt.length > 0) {
    throw new PlanError(
      "spec.packages.apt",
      "a local template cannot install apt packages (its sandboxes use the host's system, and " +
        "nothing runs as root in them): install them on the host, or use a docker template",
    );
  }
  if (!optName(spec.workdir)) {
    throw new PlanError("spec.workdir", `a local template's workdir must be ${WHERE}`);
  }
  spec.files.forEach((file, index) => {
    if (!optName(posix.dirname(file.path))) {
      throw new PlanError(`spec.files[${index}].path`, `a local template's files must be ${WHERE}`);
    }
  });
}

const PIP_SCRIPT =
  'if ! python3 -m pip --version >/dev/null 2>&1; then echo "pip is not available on this host ' +
  '(python3 -m pip failed): packages.pip cannot be installed into a local template" >&2; exit 127; fi; ' +
  'exec python3 -m pip install --no-cache-dir --disable-pip-version-check --target "$0" "$@"';

export function localSteps(spec: TemplateSpec): LocalStep[] {
  const steps: LocalStep[] = [];
  const { npm, pip } = spec.packages;
  if (npm.length > 0) {
    steps.push({
      name: "packages.npm",
      cmd: [
        "npm",
        "install",
        "--global",
        "--prefix",
        TEMPLATE_PREFIX,
        "--no-audit",
        "--no-fund",
        "--no-update-notifier",
        ...npm,
      ],
    });
  }
  if (pip.length > 0) {
    steps.push({
      name: "packages.pip",
      cmd: ["sh", "-c", PIP_SCRIPT, posix.join(TEMPLATE_PREFIX, "python"), ...pip],
    });
  }
  spec.setup.forEach((command, index) => {
    steps.push({ name: `setup[${index}]: ${command.slice(0, 80)}`, cmd: ["sh", "-c", command] });
  });
  return steps;
}
