// The host side of one bubblewrap sandbox: passwd/group, socket dir, ownership, disk and cgroup
// limits, and a notice for every limit this host cannot enforce (never silence).
import { chown, mkdir, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import type { SandboxLimits } from "../../sandbox/sandbox.js";
import { SANDBOX_GID, SANDBOX_UID, SANDBOX_WORKSPACE } from "./bwrap-args.js";
import type { BwrapStatus } from "./bwrap-host.js";
import { type CgroupHost, SandboxCgroup } from "./cgroups.js";
import type { LocalIsolation } from "./local-spawn.js";
import {
  bindWorkspace,
  canMountVolumes,
  mountWorkspaceVolume,
  type VolumeOwner,
} from "./workspace-volume.js";

const PASSWD = `root:x:0:0:root:/nonexistent:/usr/sbin/nologin
sandcaster:x:${SANDBOX_UID}:${SANDBOX_GID}:sandcaster:${SANDBOX_WORKSPACE}:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;
const GROUP = `root:x:0:
sandcaster:x:${SANDBOX_GID}:
nogroup:x:65534:
`;
const MIB = 1024 * 1024;
/** /tmp and /dev/shm when no memory limit caps them (tmpfs pages are memory). */
const DEFAULT_TMP_MB = 512;

export interface BwrapSetupInput {
  dir: string;
  status: BwrapStatus & { ok: true };
  /** The workspace's host dir; `session` when it is a session's (persistent, not ours to mount). */
  workspaceDir: string;
  session: boolean;
  /** The session's workspace is its own size-capped filesystem (workspace-image.ts). */
  sessionCapped?: boolean;
  limits: SandboxLimits;
  diskMb: number;
  cgroups: { host: CgroupHost } | { reason: string };
  /** Unique on this host: the sandbox's cgroup name. */
  cgroupName: string;
}

export interface BwrapSetup {
  isolation: LocalIsolation & { kind: "bwrap" };
  hostSocketDir: string;
  cgroup?: SandboxCgroup;
  /** The workspace image, when the disk limit is enforced. */
  volume?: { mountDir: string; sizeMb: number };
  /** The host dir bwrap binds as the workspace (a session's is bind-mounted into the sandbox dir). */
  bindDir: string;
  /** Something is mounted under the sandbox dir: destroy() must unmount before removing it. */
  mounted?: boolean;
  notices: string[];
}

export function limitsNotice(what: string, reason: string): string {
  return (
    `WARNING: ${what} NOT enforced in this local sandbox (${reason}). ` +
    "Run the server as root on a host with cgroups and loop devices, or use the docker provider."
  );
}

/** Who owns what the sandbox may write: the sandbox user, or (not root) ourselves. */
export function workspaceOwner(status: BwrapStatus & { ok: true }): VolumeOwner {
  const user = status.user?.user;
  return user
    ? { uid: user.uid, gid: user.gid }
    : { uid: process.getuid?.() ?? SANDBOX_UID, gid: process.getgid?.() ?? SANDBOX_GID };
}

/** Everything is undone by the caller through `setup` (cgroup.remove, unmount) on failure. */
export async function setupBwrapSandbox(
  input: BwrapSetupInput,
  setup: Partial<BwrapSetup>,
): Promise<BwrapSetup> {
  const { dir, status, limits } = input;
  const notices: string[] = [];
  if (status.rootFallback) {
    notices.push(
      `WARNING: sandboxed processes run as HOST ROOT (${status.rootFallback}). ` +
        "Allow unprivileged user namespaces for the sandbox user, or use the docker provider.",
    );
  }
  const owner = workspaceOwner(status);
  await mkdir(posix.join(dir, "etc"), { mode: 0o755 });
  const passwdFile = posix.join(dir, "etc", "passwd");
  const groupFile = posix.join(dir, "etc", "group");
  await writeFile(passwdFile, PASSWD, { mode: 0o644 });
  await writeFile(groupFile, GROUP, { mode: 0o644 });
  // Root-owned and read-only inside; the server's sockets in it are made connectable (0666).
  const hostSocketDir = posix.join(dir, "sock");
  await mkdir(hostSocketDir, { mode: 0o755 });
  setup.hostSocketDir = hostSocketDir;

  let diskReason = input.session
    ? input.sessionCapped
      ? undefined
      : canMountVolumes()
        ? "this session's workspace was made without a size-capped image"
        : "the server is not root: it cannot mount a size-capped workspace"
    : canMountVolumes()
      ? undefined
      : "the server is not root: it cannot mount a size-capped workspace";
  if (!diskReason && !input.session) {
    const image = posix.join(dir, "workspace.img");
    try {
      setup.mounted = true;
      await mountWorkspaceVolume(image, input.workspaceDir, input.diskMb, owner);
      setup.volume = { mountDir: input.workspaceDir, sizeMb: input.diskMb };
    } catch (error) {
      diskReason = `cannot mount a workspace image: ${(error as Error).message}`;
    }
  }
  let bindDir = input.workspaceDir;
  if (diskReason) {
    notices.push(limitsNotice(`the disk limit (${input.diskMb} MB) is`, diskReason));
  }
  if (diskReason || input.session) {
    // The sandbox user writes the workspace; we still read and write it from the host as root.
    await chown(input.workspaceDir, owner.uid, owner.gid);
    if (input.session && status.user) {
      // The session store may sit where the sandbox user cannot walk (/root/...): bring the
      // workspace to it, into the sandbox dir (a capped one keeps its cap through the bind).
      bindDir = posix.join(dir, "session");
      await mkdir(bindDir, { mode: 0o755 });
      setup.mounted = true;
      await bindWorkspace(input.workspaceDir, bindDir);
      setup.bindDir = bindDir;
    }
  }
  if (input.session && input.sessionCapped) {
    setup.volume = { mountDir: input.workspaceDir, sizeMb: input.diskMb };
  }

  let procsFiles: string[] = [];
  let cgroupReason = "reason" in input.cgroups ? input.cgroups.reason : undefined;
  if ("host" in input.cgroups) {
    try {
      const cgroup = await SandboxCgroup.create(input.cgroups.host, input.cgroupName, limits);
      setup.cgroup = cgroup;
      procsFiles = cgroup.procsFiles;
    } catch (error) {
      cgroupReason = `cannot create its cgroup: ${(error as Error).message}`;
    }
  }
  if (cgroupReason) {
    notices.push(limitsNotice("memory, CPU and process-count limits are", cgroupReason));
  }
  const tmpMb = limits.memoryMb > 0 ? limits.memoryMb : DEFAULT_TMP_MB;
  const isolation: LocalIsolation & { kind: "bwrap" } = {
    kind: "bwrap",
    bwrapPath: status.bwrapPath,
    layout: status.layout,
    nodeBind: status.nodeBind,
    passwdFile,
    groupFile,
    user: status.user,
    procsFiles,
    hostSocketDir,
    tmpSizeBytes: tmpMb * MIB,
  };
  return { ...setup, isolation, hostSocketDir, bindDir, notices };
}
