// The container every Docker sandbox runs in: limits, a read-only root, capped writable mounts,
// the host socket dir, and no privilege.
import { randomBytes } from "node:crypto";
import { dockerScratchMb, SANDBOX_HOST_DIR } from "@sandcaster/protocol";
import type Dockerode from "dockerode";
import type { CreateSandboxOptions } from "../../sandbox/sandbox.js";
import {
  HOME_DIR,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  LABEL_OWNER,
  LABEL_RUN_ID,
  LABEL_SESSION_ID,
  MAX_TIMER_MS,
  PROCESS_MARK_ENV,
  SANDBOX_GID,
  SANDBOX_UID,
  SANDBOX_USER,
  SCRATCH_PATH,
  STATE_DIR,
  WORKSPACE_PATH,
} from "./constants.js";
import { SUPERVISOR_SCRIPT } from "./supervisor-script.js";
import { workspaceMount } from "./workspace-helper.js";

export interface ContainerSpecInput {
  options: CreateSandboxOptions;
  image: string;
  nodePath: string;
  ownedBy: string;
  labels: Record<string, string> | undefined;
  instanceId: string | undefined;
  deadManMarginMs: number;
  /** Cap of the per-run /workspace (MB); /tmp gets a quarter of it (at least 64 MB). */
  diskMb: number;
  /** Host dir bound read-only at SANDBOX_HOST_DIR. */
  hostDir: string;
  /** A session's volume, mounted at /workspace instead of a fresh capped one. */
  session?: { volume: string; sessionId: string } | undefined;
  /**
   * The main process boots the installed runner idle as it starts (its sockets are in the host
   * dir; `id` names its processes and pid file).
   */
  bootRunner?: { id: string } | undefined;
}

/** A valid, recognisable container name: sandcaster-<runId>-<random>. */
function containerName(runId: string): string {
  const safe = runId.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 40);
  return `sandcaster-${safe}-${randomBytes(3).toString("hex")}`;
}

/**
 * An anonymous tmpfs-backed volume: unlike HostConfig.Tmpfs, Docker's archive API sees its files
 * (it is mounted on the host side), and AutoRemove / remove({v}) delete it with the container.
 * Writing past `sizeMb` fails with ENOSPC. The pages count against the container's memory limit.
 */
function cappedMount(target: string, sizeMb: number, mode: string): Dockerode.MountSettings {
  const owner = `uid=${SANDBOX_UID},gid=${SANDBOX_GID}`;
  return {
    Type: "volume",
    // Empty: an anonymous volume, made for this container only.
    Source: "",
    Target: target,
    VolumeOptions: {
      DriverConfig: {
        Name: "local",
        Options: { type: "tmpfs", device: "tmpfs", o: `size=${sizeMb}m,mode=${mode},${owner}` },
      },
    } as unknown as Dockerode.MountSettings["VolumeOptions"],
  };
}

export function containerSpec(input: ContainerSpecInput): Dockerode.ContainerCreateOptions {
  const { options, session } = input;
  const { limits } = options;
  const lifetime = limits.timeoutMs + input.deadManMarginMs;
  const deadManMs = Number.isFinite(lifetime)
    ? Math.min(Math.max(lifetime, 1), MAX_TIMER_MS)
    : MAX_TIMER_MS;
  const memory = Math.round(limits.memoryMb * 1024 * 1024);
  return {
    name: containerName(options.runId),
    Image: input.image,
    // Dead-man switch: the main process ends after the run's timeout plus a margin, and
    // AutoRemove then deletes the container even if this server has crashed.
    Entrypoint: [input.nodePath],
    Cmd: [
      "-e",
      SUPERVISOR_SCRIPT,
      "--",
      String(Math.round(deadManMs)),
      STATE_DIR,
      PROCESS_MARK_ENV,
      ...(input.bootRunner ? [input.bootRunner.id, input.nodePath, SANDBOX_HOST_DIR] : []),
    ],
    User: SANDBOX_USER,
    WorkingDir: WORKSPACE_PATH,
    Env: [`HOME=${HOME_DIR}`, ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`)],
    Labels: {
      ...input.labels,
      [LABEL_MANAGED]: "true",
      [LABEL_RUN_ID]: options.runId,
      [LABEL_OWNER]: input.ownedBy,
      ...(input.instanceId ? { [LABEL_INSTANCE]: input.instanceId } : {}),
      ...(session ? { [LABEL_SESSION_ID]: session.sessionId } : {}),
    },
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pids,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      NetworkMode: limits.network,
      Init: true,
      AutoRemove: true,
      // Nothing outside the mounts below can be written: the image layer is not a disk to fill.
      ReadonlyRootfs: true,
      Mounts: [
        session
          ? workspaceMount(session.volume)
          : cappedMount(WORKSPACE_PATH, input.diskMb, "0755"),
        cappedMount(SCRATCH_PATH, dockerScratchMb(input.diskMb), "1777"),
        { Type: "bind", Source: input.hostDir, Target: SANDBOX_HOST_DIR, ReadOnly: true },
      ],
    },
  };
}
