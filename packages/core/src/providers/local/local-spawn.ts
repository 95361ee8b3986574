// Starts one process of a local sandbox: its environment from scratch, under bwrap or unisolated.
import { posix } from "node:path";
import type { SandboxLimits } from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import {
  buildBwrapArgs,
  DEFAULT_SANDBOX_PATH,
  envArgs,
  type HostLayout,
  type NodeBind,
} from "./bwrap-args.js";
import { type GroupProcess, spawnProcessGroup } from "./process-group.js";
import { launchCommand } from "./sandbox-launch.js";
import type { HostUser } from "./sandbox-user.js";
import type { TemplateBind } from "./template-mount.js";

export type LocalIsolation =
  | {
      kind: "bwrap";
      bwrapPath: string;
      layout: HostLayout;
      nodeBind?: NodeBind | undefined;
      /** Synthetic /etc/passwd and /etc/group (host paths). */
      passwdFile: string;
      groupFile: string;
      /** The host user bwrap runs as (a root server). */
      user?: { user: HostUser; setprivPath: string } | undefined;
      /** The sandbox cgroup's procs files, joined before bwrap starts; empty without cgroups. */
      procsFiles: readonly string[];
      /** The host socket dir, bound read-only at SANDBOX_HOST_DIR. */
      hostSocketDir: string;
      /** Size cap of /tmp and /dev/shm, in bytes. */
      tmpSizeBytes: number;
      /** A local template's directories under /opt (template-mount.ts). */
      templateBinds?: readonly TemplateBind[] | undefined;
    }
  | { kind: "none" };

const ENV_KEY = /^[^=\0]+$/;
/** fd 3 of the launched command: the environment pipe. */
const ENV_FD = 3;

/**
 * PATH (the node dir first when it is not already on it) and HOME, then the sandbox env, then the
 * process env; nothing of the server's own environment.
 */
export function buildSandboxEnv(
  nodePath: string,
  home: string,
  ...layers: Readonly<Record<string, string>>[]
): Record<string, string> {
  const nodeDir = posix.dirname(nodePath);
  const path = DEFAULT_SANDBOX_PATH.split(":").includes(nodeDir)
    ? DEFAULT_SANDBOX_PATH
    : `${nodeDir}:${DEFAULT_SANDBOX_PATH}`;
  const env: Record<string, string> = { PATH: path, HOME: home };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (!ENV_KEY.test(key) || value.includes("\0")) {
        throw new SandboxError(
          "SANDBOX_EXEC_FAILED",
          `invalid environment variable ${JSON.stringify(key)}`,
        );
      }
      env[key] = value;
    }
  }
  return env;
}

export interface StartOptions {
  isolation: LocalIsolation;
  /** The sandbox's host dir (holding runner/). */
  hostDir: string;
  /** The host dir bound as the workspace: the sandbox's own, or a session's. */
  workspaceHostDir: string;
  limits: SandboxLimits;
  /** Sandbox-side cwd, env and argv. */
  cwd: string;
  env: Record<string, string>;
  command: readonly string[];
  /** A pipe to the process's stdin (otherwise /dev/null). */
  stdin?: boolean | undefined;
}

/** Spawns the process in its own process group; SANDBOX_EXEC_FAILED when it cannot start. */
export async function startSandboxProcess(options: StartOptions): Promise<GroupProcess> {
  const [command, ...args] = options.command;
  if (!command) throw new SandboxError("SANDBOX_EXEC_FAILED", "empty command");
  if (!posix.isAbsolute(options.cwd)) {
    throw new SandboxError("SANDBOX_EXEC_FAILED", `cwd must be absolute: ${options.cwd}`);
  }
  const { isolation, limits } = options;
  try {
    if (isolation.kind === "none") {
      return await spawnProcessGroup(command, args, {
        cwd: options.cwd,
        env: options.env,
        stdin: options.stdin,
      });
    }
    const bwrapArgs = buildBwrapArgs({
      layout: isolation.layout,
      workspace: options.workspaceHostDir,
      runner: posix.join(options.hostDir, "runner"),
      passwd: isolation.passwdFile,
      group: isolation.groupFile,
      hostSocket: isolation.hostSocketDir,
      nodeBind: isolation.nodeBind,
      templateBinds: isolation.templateBinds,
      network: limits.network,
      tmpSizeBytes: isolation.tmpSizeBytes,
      cwd: options.cwd,
      envFd: ENV_FD,
      command: options.command,
    });
    const [file, ...launchArgs] = launchCommand({
      bwrapPath: isolation.bwrapPath,
      bwrapArgs,
      user: isolation.user,
      procsFiles: isolation.procsFiles,
    });
    // The sandbox's environment goes through a pipe: not on argv (every host user can read it
    // with `ps`), not in the host-side bwrap's own environ either.
    return await spawnProcessGroup(file, launchArgs, {
      cwd: options.hostDir,
      env: {},
      stdin: options.stdin,
      extraFd: envArgs(options.env),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SandboxError("SANDBOX_EXEC_FAILED", `cannot start ${command}: ${message}`, {
      cause: error,
    });
  }
}
