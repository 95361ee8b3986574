// Finds bubblewrap on the host, reads the host layout it must mirror, and checks that it really works.
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, lstat, readlink, realpath } from "node:fs/promises";
import { posix } from "node:path";
import {
  type HostLayout,
  type NodeBind,
  namespaceArgs,
  procDevArgs,
  SANDBOX_NODE_DIR,
  type SystemEntry,
  systemArgs,
} from "./bwrap-args.js";
import { findSetpriv, launchCommand } from "./sandbox-launch.js";
import type { HostUser } from "./sandbox-user.js";

const SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"];
/** Just what DNS, TLS and time zones need; never the whole /etc. */
const ETC_PATHS = [
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/host.conf",
  "/etc/nsswitch.conf",
  "/etc/gai.conf",
  "/etc/ssl/certs",
  "/etc/ssl/openssl.cnf",
  "/etc/ca-certificates",
  "/etc/ca-certificates.conf",
  "/etc/pki/tls/certs",
  "/etc/pki/ca-trust",
  "/etc/localtime",
];
const FALLBACK_DIRS = ["/usr/bin", "/usr/local/bin", "/bin"];
const PROBE_TIMEOUT_MS = 10_000;

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await lstat(path)).isDirectory() === false;
  } catch {
    return false;
  }
}

/** The bwrap executable: the configured path, else the first `bwrap` on PATH (or usual dirs). */
export async function findBwrap(configured?: string): Promise<string | null> {
  if (configured) return (await isExecutable(configured)) ? configured : null;
  const dirs = [...(process.env.PATH ?? "").split(":").filter(Boolean), ...FALLBACK_DIRS];
  for (const dir of new Set(dirs)) {
    const candidate = posix.join(dir, "bwrap");
    if (posix.isAbsolute(candidate) && (await isExecutable(candidate))) return candidate;
  }
  return null;
}

/** The host's system dirs (as dirs or symlinks) and the /etc pieces that exist. */
export async function detectHostLayout(): Promise<HostLayout> {
  const system: SystemEntry[] = [];
  for (const path of SYSTEM_PATHS) {
    try {
      const stat = await lstat(path);
      if (stat.isSymbolicLink())
        system.push({ path, kind: "symlink", target: await readlink(path) });
      else if (stat.isDirectory()) system.push({ path, kind: "dir" });
    } catch {
      // Not on this host.
    }
  }
  if (!system.some((entry) => entry.path === "/usr" && entry.kind === "dir")) {
    throw new Error("the host has no /usr directory");
  }
  const etc: string[] = [];
  for (const path of ETC_PATHS) {
    if (
      await lstat(path).then(
        () => true,
        () => false,
      )
    )
      etc.push(path);
  }
  return { system, etc };
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * Where the node binary is inside the sandbox: its real path when that lies in a ro-bound system
 * dir, else its directory is bound read-only at SANDBOX_NODE_DIR.
 */
export async function resolveSandboxNode(
  hostNodePath: string,
  layout: HostLayout,
): Promise<{ nodePath: string; nodeBind?: NodeBind }> {
  const real = await realpath(hostNodePath);
  const boundDirs = layout.system.filter((e) => e.kind === "dir").map((e) => e.path);
  if (boundDirs.some((dir) => isUnder(real, dir))) return { nodePath: real };
  return {
    nodePath: posix.join(SANDBOX_NODE_DIR, posix.basename(real)),
    nodeBind: { hostDir: posix.dirname(real), sandboxDir: SANDBOX_NODE_DIR },
  };
}

export type BwrapStatus =
  | {
      ok: true;
      bwrapPath: string;
      layout: HostLayout;
      nodePath: string;
      nodeBind?: NodeBind;
      /** Who bwrap runs as (a root server), with the setpriv that switches to it. */
      user?: { user: HostUser; setprivPath: string };
      /**
       * Why bwrap could not run as the wanted sandbox user and runs as root instead: sandboxed
       * processes are then host root (mapped to uid 1000). Loud: a notice on every run.
       */
      rootFallback?: string;
    }
  | { ok: false; reason: string };

function probe(command: [string, ...string[]]): Promise<string | null> {
  const [file, ...args] = command;
  return new Promise<string | null>((resolve) => {
    execFile(
      file,
      args,
      { env: {}, timeout: PROBE_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 64 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) resolve(null);
        else resolve(String(stderr).trim() || error.message);
      },
    );
  });
}

/**
 * Finds bwrap and runs `node -e ""` under the same namespaces and system binds a sandbox uses:
 * bwrap can be installed yet fail (e.g. no user namespaces inside some containers). With `user`
 * (a root server), the probe runs as that user: the kernel may refuse it user namespaces.
 */
export async function checkBwrap(
  configured: string | undefined,
  hostNodePath: string,
  user?: HostUser,
): Promise<BwrapStatus> {
  const bwrapPath = await findBwrap(configured);
  if (!bwrapPath) {
    return {
      ok: false,
      reason: `bubblewrap (bwrap) not found${configured ? ` at ${configured}` : ""}`,
    };
  }
  let layout: HostLayout;
  let node: Awaited<ReturnType<typeof resolveSandboxNode>>;
  try {
    layout = await detectHostLayout();
    node = await resolveSandboxNode(hostNodePath, layout);
  } catch (error) {
    return { ok: false, reason: `cannot prepare bwrap: ${(error as Error).message}` };
  }
  const args = [
    ...namespaceArgs("none"),
    ...systemArgs(layout, node.nodeBind),
    ...procDevArgs(),
    "--tmpfs",
    "/tmp",
    "--remount-ro",
    "/",
    "--",
    node.nodePath,
    "-e",
    "",
  ];
  const status: BwrapStatus = { ok: true, bwrapPath, layout, nodePath: node.nodePath };
  if (node.nodeBind) status.nodeBind = node.nodeBind;
  let rootFallback: string | undefined;
  if (user) {
    const setprivPath = await findSetpriv();
    const failure = setprivPath
      ? await probe(
          launchCommand({
            bwrapPath,
            bwrapArgs: args,
            user: { user, setprivPath },
            procsFiles: [],
          }),
        )
      : "setpriv (util-linux) not found";
    if (setprivPath && failure === null) {
      status.user = { user, setprivPath };
      return status;
    }
    rootFallback = `bwrap cannot run as the sandbox user ${user.name} (uid ${user.uid}): ${failure}`;
  }
  const failure = await probe([bwrapPath, ...args]);
  if (failure !== null) {
    return { ok: false, reason: `bwrap at ${bwrapPath} does not work here: ${failure}` };
  }
  if (rootFallback) status.rootFallback = rootFallback;
  return status;
}
