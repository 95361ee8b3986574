// A local template in a sandbox: the overlay's directories under opt/ bound at /opt/<name> (read-
// only for runs, writable for its build), and the environment that finds what it installed.
import { execFile } from "node:child_process";
import { mkdir, readdir } from "node:fs/promises";
import { posix } from "node:path";
import { promisify } from "node:util";
import type { BwrapStatus } from "./bwrap-host.js";
import type { BwrapSetup } from "./bwrap-setup.js";
import { workspaceOwner } from "./bwrap-setup.js";
import { bindWorkspace } from "./workspace-volume.js";

const run = promisify(execFile);

/** Where a local template's npm and pip packages live in the sandbox (bin/, lib/, python/). */
export const TEMPLATE_PREFIX = "/opt/sandcaster-template";
/** /opt names the runner and node binds use: a template may not provide them. */
export const RESERVED_OPT_NAMES: readonly string[] = ["sandcaster", "sandcaster-node"];

export interface LocalTemplateMount {
  /** Host dir mirroring the sandbox's paths: each dir of `<root>/opt` appears at /opt/<name>. */
  root: string;
  /** A build sandbox writes into the overlay; a run's sees it read-only. */
  writable: boolean;
  /** The template's own environment (spec.env), under the process's. */
  env?: Readonly<Record<string, string>>;
}

export interface TemplateBind {
  host: string;
  sandbox: string;
  writable: boolean;
}

/** PATH first through the template's bin/, node and python finding its packages. */
export function templateEnv(
  basePath: string,
  env: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...env,
    PATH: `${TEMPLATE_PREFIX}/bin:${basePath}`,
    NODE_PATH: `${TEMPLATE_PREFIX}/lib/node_modules`,
    PYTHONPATH: `${TEMPLATE_PREFIX}/python`,
  };
}

/**
 * Binds of the overlay's /opt dirs into the sandbox dir `dir`. Under a root server bwrap runs as
 * the sandbox user, who may not walk to the server's data dir: the overlay is then bind-mounted
 * into the sandbox dir (read-only for runs, so even the host path refuses writes) and the sandbox
 * user owns a build's dirs while it runs.
 */
export async function attachTemplate(
  mount: LocalTemplateMount,
  dir: string,
  status: BwrapStatus & { ok: true },
  setup: Partial<BwrapSetup>,
): Promise<TemplateBind[]> {
  let root = mount.root;
  const optDir = posix.join(root, "opt");
  await mkdir(optDir, { recursive: true, mode: 0o755 });
  const names = (await readdir(optDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && !RESERVED_OPT_NAMES.includes(entry.name))
    .map((entry) => entry.name);
  if (mount.writable && names.length > 0) {
    const owner = workspaceOwner(status);
    const paths = names.map((name) => posix.join(optDir, name));
    await run("chown", ["-R", "--no-dereference", `${owner.uid}:${owner.gid}`, ...paths]);
  }
  if (status.user) {
    const target = posix.join(dir, "template");
    await mkdir(target, { mode: 0o755 });
    setup.mounted = true;
    await bindWorkspace(root, target);
    if (!mount.writable) {
      await run("mount", ["-o", "remount,bind,ro,nosuid,nodev", target]);
    }
    root = target;
  }
  return names.map((name) => ({
    host: posix.join(root, "opt", name),
    sandbox: posix.join("/opt", name),
    writable: mount.writable,
  }));
}
