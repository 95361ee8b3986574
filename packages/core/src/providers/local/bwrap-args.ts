// Builds the bubblewrap argv of one sandboxed process: a pure function of the host layout and the request.

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

export interface BwrapArgsInput {
  layout: HostLayout;
  /** Host directory bound read-write at SANDBOX_WORKSPACE. */
  workspaceHostDir: string;
  /** Host directory bound read-only at SANDBOX_RUNNER_DIR. */
  runnerHostDir: string;
  /** Synthetic passwd/group files (host paths) bound over /etc/passwd and /etc/group. */
  passwdHostFile?: string | undefined;
  groupHostFile?: string | undefined;
  nodeBind?: NodeBind | undefined;
  network: "none" | "bridge" | "host";
  /** Size cap of the sandbox's /tmp tmpfs, in bytes. */
  tmpSizeBytes?: number | undefined;
  /** Working directory inside the sandbox. */
  cwd: string;
  /** The complete environment of the process (bwrap clears everything else). */
  env: Readonly<Record<string, string>>;
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

export function buildBwrapArgs(input: BwrapArgsInput): string[] {
  if (input.command.length === 0) throw new Error("bwrap: empty command");
  const args = [...namespaceArgs(input.network), ...systemArgs(input.layout, input.nodeBind)];
  for (const path of input.layout.etc) args.push("--ro-bind-try", path, path);
  if (input.passwdHostFile) args.push("--ro-bind", input.passwdHostFile, "/etc/passwd");
  if (input.groupHostFile) args.push("--ro-bind", input.groupHostFile, "/etc/group");
  args.push("--proc", "/proc", "--dev", "/dev");
  if (input.tmpSizeBytes !== undefined && input.tmpSizeBytes > 0) {
    args.push("--size", String(Math.floor(input.tmpSizeBytes)));
  }
  args.push("--tmpfs", "/tmp");
  args.push("--bind", input.workspaceHostDir, SANDBOX_WORKSPACE);
  args.push("--ro-bind", input.runnerHostDir, SANDBOX_RUNNER_DIR);
  args.push("--chdir", input.cwd);
  args.push("--clearenv");
  for (const [key, value] of Object.entries(input.env)) args.push("--setenv", key, value);
  args.push("--", ...input.command);
  return args;
}
