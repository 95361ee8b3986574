// Builds the bubblewrap argv of one sandboxed process: a pure function of the host layout and the request.
//
// Never a secret on it: argv is readable by every host user (`ps`) and inside (/proc/1/cmdline);
// the environment reaches bwrap through a pipe (`--args FD`), see envArgs().
import { SANDBOX_HOST_DIR } from "@sandcaster/protocol";

/** Where the sandbox sees its workspace, runner bundle and (when bound) the node directory. */
export const SANDBOX_WORKSPACE = "/workspace";
export const SANDBOX_RUNNER_DIR = "/opt/sandcaster";
export const SANDBOX_NODE_DIR = "/opt/sandcaster-node";
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const DEFAULT_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin";

/** A top-level system path as it is on the host: a real directory (ro-bound) or a symlink (recreated). */
export type SystemEntry =
  | { path: string; kind: "dir" }
  | { path: string; kind: "symlink"; target: string };

export interface HostLayout {
  /** `/usr` and friends (`/bin`, `/lib`, `/lib64`, `/sbin`, ...) that exist on the host. */
  system: readonly SystemEntry[];
  /** Host `/etc` pieces (files or dirs) that exist and are needed for DNS/TLS; bound read-only. */
  etc: readonly string[];
}

export interface NodeBind {
  /** Host directory that holds the node binary (outside the system dirs). */
  hostDir: string;
  /** Where it appears in the sandbox. */
  sandboxDir: string;
}

/**
 * What is bound: a host path, or an fd open on it that bwrap inherits (the sandbox user, who runs
 * bwrap under a root server, need not be able to walk the host path to it).
 */
export type HostSource = string | { fd: number };

export interface BwrapArgsInput {
  layout: HostLayout;
  /** Bound read-write at SANDBOX_WORKSPACE. */
  workspace: HostSource;
  /** Bound read-only at SANDBOX_RUNNER_DIR. */
  runner: HostSource;
  /** Synthetic passwd/group files bound over /etc/passwd and /etc/group. */
  passwd?: HostSource | undefined;
  group?: HostSource | undefined;
  nodeBind?: NodeBind | undefined;
  /** The sandbox's host socket dir, bound read-only at SANDBOX_HOST_DIR. */
  hostSocket?: HostSource | undefined;
  /** A local template's directories (see template-mount.ts). */
  templateBinds?: readonly { host: string; sandbox: string; writable: boolean }[] | undefined;
  network: "none" | "bridge" | "host";
  /** Size cap of the sandbox's /tmp (and /dev/shm) tmpfs, in bytes. */
  tmpSizeBytes?: number | undefined;
  /** Working directory inside the sandbox. */
  cwd: string;
  /** The fd (in bwrap) of a pipe carrying envArgs(): the process's whole environment. */
  envFd: number;
  command: readonly string[];
}

/** Namespace and process options: new user/pid/ipc/uts (and net) namespaces, uid/gid 1000. */
export function namespaceArgs(network: BwrapArgsInput["network"]): string[] {
  const args = [
    "--unshare-user",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
  ];
  if (network === "none") args.push("--unshare-net");
  args.push(
    "--disable-userns",
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_GID),
    "--hostname",
    "sandcaster",
    "--die-with-parent",
    "--new-session",
  );
  return args;
}

/** Read-only system directories (symlinks recreated as on the host) and the node directory. */
export function systemArgs(layout: HostLayout, nodeBind?: NodeBind): string[] {
  const args: string[] = [];
  for (const entry of layout.system) {
    if (entry.kind === "dir") args.push("--ro-bind", entry.path, entry.path);
    else args.push("--symlink", entry.target, entry.path);
  }
  if (nodeBind) args.push("--ro-bind", nodeBind.hostDir, nodeBind.sandboxDir);
  return args;
}

/** A size-capped tmpfs at `path` (uncapped without a size). */
function tmpfsArgs(path: string, sizeBytes: number | undefined): string[] {
  const size =
    sizeBytes !== undefined && sizeBytes > 0 ? ["--size", String(Math.floor(sizeBytes))] : [];
  return [...size, "--tmpfs", path];
}

/**
 * /proc of the sandbox's own pid namespace, read-only (bwrap already covers /proc/sys and friends
 * with read-only binds; this also closes /proc/self/* knobs); /dev with just the standard nodes.
 */
export function procDevArgs(): string[] {
  return ["--proc", "/proc", "--remount-ro", "/proc", "--dev", "/dev"];
}

function bind(readOnly: boolean, source: HostSource, dest: string): string[] {
  const flag = readOnly ? "--ro-bind" : "--bind";
  return typeof source === "string"
    ? [flag, source, dest]
    : [`${flag}-fd`, String(source.fd), dest];
}

export function buildBwrapArgs(input: BwrapArgsInput): string[] {
  if (input.command.length === 0) throw new Error("bwrap: empty command");
  const args = [...namespaceArgs(input.network), ...systemArgs(input.layout, input.nodeBind)];
  for (const path of input.layout.etc) args.push("--ro-bind-try", path, path);
  if (input.passwd) args.push(...bind(true, input.passwd, "/etc/passwd"));
  if (input.group) args.push(...bind(true, input.group, "/etc/group"));
  args.push(...procDevArgs());
  args.push(...tmpfsArgs("/dev/shm", input.tmpSizeBytes), "--remount-ro", "/dev");
  args.push(...tmpfsArgs("/tmp", input.tmpSizeBytes));
  args.push(...bind(false, input.workspace, SANDBOX_WORKSPACE));
  args.push(...bind(true, input.runner, SANDBOX_RUNNER_DIR));
  if (input.hostSocket) args.push(...bind(true, input.hostSocket, SANDBOX_HOST_DIR));
  for (const t of input.templateBinds ?? []) args.push(...bind(!t.writable, t.host, t.sandbox));
  // Everything else (/, /etc, /opt, /run...) is bwrap's in-memory root: read-only from here on.
  args.push("--remount-ro", "/");
  args.push("--chdir", input.cwd);
  args.push("--clearenv", "--args", String(input.envFd));
  args.push("--", ...input.command);
  return args;
}

/**
 * `--setenv KEY VALUE` for each variable, NUL-separated as bwrap's `--args FD` reads them: the
 * environment (model keys included) travels through a pipe, never on a command line.
 */
export function envArgs(env: Readonly<Record<string, string>>): Uint8Array {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(env)) parts.push("--setenv", key, value);
  return Buffer.from(parts.map((part) => `${part}\0`).join(""), "utf8");
}
