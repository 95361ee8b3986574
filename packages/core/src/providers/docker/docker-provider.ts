// createDockerProvider(): the "docker" SandboxProvider (create, availability, orphan sweep, sessions).
import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import { currentOwner } from "../../host/process-owner.js";
import type {
  CreateSandboxOptions,
  Sandbox,
  SandboxProvider,
  SessionWorkspace,
} from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { lazyDockerClient } from "./client.js";
import {
  DEFAULT_DEAD_MAN_MARGIN_MS,
  DEFAULT_NODE_PATH,
  DEFAULT_PING_TIMEOUT_MS,
  KILL_REQUEST_DIR,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  LABEL_OWNER,
  LABEL_RUN_ID,
  LABEL_SESSION_ID,
  MAX_TIMER_MS,
  PROCESS_MARK_ENV,
  RUNNER_DIR,
  SANDBOX_GID,
  SANDBOX_UID,
  SANDBOX_USER,
  STATE_DIR,
  WORKSPACE_PATH,
} from "./constants.js";
import { DockerSandbox, stagedMarkerEntry } from "./docker-sandbox.js";
import { abortReason, DAEMON_HINT, toSandboxError } from "./errors.js";
import { SUPERVISOR_SCRIPT } from "./in-sandbox-scripts.js";
import { sweepOrphans } from "./orphans.js";
import { archiveName, packEntries, type TarEntry } from "./tar.js";
import { exportWorkspaceVolume, importWorkspaceVolume } from "./workspace-archive.js";
import { type WorkspaceContext, workspaceMount } from "./workspace-helper.js";
import {
  assertWorkspaceVolume,
  createWorkspaceVolume,
  deleteWorkspaceVolume,
  listWorkspaceVolumes,
  volumeOf,
  type WorkspaceVolume,
} from "./workspace-volume.js";

export interface DockerProviderSettings {
  /** An existing client (tests, custom transports); otherwise one is made on first use. */
  docker?: Dockerode;
  /** Image with node on PATH, uid/gid 1000 and /workspace (see docker/sandbox.Dockerfile). */
  image: string;
  /** Docker socket path or daemon URL (unix://, tcp://, https://, ssh://); default: DOCKER_HOST. */
  socketPath?: string;
  /** This server's id, labelled on its containers (`sandcaster.instance`); spared by sweeps. */
  instanceId?: string;
  /** Extra labels on every container; sweepOrphans() only touches containers carrying all of them. */
  labels?: Record<string, string>;
  /** The node executable inside the image (default "node", resolved on the image's PATH). */
  nodePath?: string;
  /** How long a container outlives its run timeout before it ends itself (default 60 s). */
  deadManMarginMs?: number;
  /** isAvailable()'s ping timeout (default 2 s). */
  pingTimeoutMs?: number;
}

export interface DockerSandboxProvider extends SandboxProvider {
  readonly name: "docker";
  sweepOrphans(signal?: AbortSignal): Promise<number>;
  /** A named volume, labelled with the session id, its root owned by the sandbox user. */
  createWorkspace(sessionId: string, signal: AbortSignal): Promise<SessionWorkspace>;
  deleteWorkspace(workspace: SessionWorkspace, signal: AbortSignal): Promise<void>;
  exportWorkspace(
    workspace: SessionWorkspace,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
  importWorkspace(
    workspace: SessionWorkspace,
    archive: ReadableStream<Uint8Array>,
    signal: AbortSignal,
  ): Promise<void>;
  /**
   * Every session volume of this provider (carrying its extra labels): the server's expiry sweep
   * deletes those whose session is gone. Sandbox sweeps never touch volumes.
   */
  listWorkspaces(signal?: AbortSignal): Promise<WorkspaceVolume[]>;
}

/** A valid, recognisable container name: sandcaster-<runId>-<random>. */
function containerName(runId: string): string {
  const safe = runId.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 40);
  return `sandcaster-${safe}-${randomBytes(3).toString("hex")}`;
}

/** Directories every sandbox needs, owned by the sandbox user, plus the initial staged marker. */
function initialEntries(runnerDir: string): TarEntry[] {
  const dir = (path: string, mode: number): TarEntry => ({
    name: `${archiveName(path)}/`,
    type: "directory",
    mode,
    uid: SANDBOX_UID,
    gid: SANDBOX_GID,
  });
  return [
    dir(WORKSPACE_PATH, 0o755),
    dir(runnerDir, 0o755),
    dir(STATE_DIR, 0o700),
    dir(KILL_REQUEST_DIR, 0o700),
    stagedMarkerEntry(),
  ];
}

export function createDockerProvider(settings: DockerProviderSettings): DockerSandboxProvider {
  const constructedAt = Date.now();
  const getDocker = lazyDockerClient(settings.docker, settings.socketPath);
  const nodePath = settings.nodePath ?? DEFAULT_NODE_PATH;
  const image = settings.image;

  const client = (): Dockerode => {
    try {
      return getDocker();
    } catch (error) {
      throw new SandboxError("SANDBOX_UNAVAILABLE", "Cannot configure the Docker client", {
        hint: DAEMON_HINT,
        cause: error,
      });
    }
  };

  let owner: Promise<string> | undefined;
  const ownerLabel = () => {
    owner ??= currentOwner();
    return owner;
  };

  let workspaces: WorkspaceContext | undefined;
  /** Made on first use, with the client (construction does no I/O). */
  const workspaceContext = (): WorkspaceContext => {
    workspaces ??= {
      docker: client(),
      image,
      nodePath,
      labels: settings.labels,
      instanceId: settings.instanceId,
      owner: ownerLabel,
    };
    return workspaces;
  };

  /** `session`: the workspace volume to mount and the session it belongs to. */
  const containerSpec = (
    { runId, env, limits }: CreateSandboxOptions,
    ownedBy: string,
    session?: { volume: string; sessionId: string },
  ) => {
    const lifetime = limits.timeoutMs + (settings.deadManMarginMs ?? DEFAULT_DEAD_MAN_MARGIN_MS);
    const deadManMs = Number.isFinite(lifetime)
      ? Math.min(Math.max(lifetime, 1), MAX_TIMER_MS)
      : MAX_TIMER_MS;
    const memory = Math.round(limits.memoryMb * 1024 * 1024);
    return {
      name: containerName(runId),
      Image: image,
      // Dead-man switch: the main process ends after the run's timeout plus a margin, and
      // AutoRemove then deletes the container even if this server has crashed.
      Entrypoint: [nodePath],
      Cmd: [
        "-e",
        SUPERVISOR_SCRIPT,
        "--",
        String(Math.round(deadManMs)),
        STATE_DIR,
        PROCESS_MARK_ENV,
      ],
      User: SANDBOX_USER,
      WorkingDir: WORKSPACE_PATH,
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      Labels: {
        ...settings.labels,
        [LABEL_MANAGED]: "true",
        [LABEL_RUN_ID]: runId,
        [LABEL_OWNER]: ownedBy,
        ...(settings.instanceId ? { [LABEL_INSTANCE]: settings.instanceId } : {}),
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
        ...(session ? { Mounts: [workspaceMount(session.volume)] } : {}),
      },
    } satisfies Dockerode.ContainerCreateOptions;
  };

  /** The volume of a session workspace, checked to exist and be ours before it is mounted. */
  const sessionOf = async (workspace: SessionWorkspace, signal: AbortSignal) => {
    const volume = volumeOf(workspace, "SANDBOX_CREATE_FAILED");
    const ctx = workspaceContext();
    const { sessionId } = await assertWorkspaceVolume(ctx, volume, "SANDBOX_CREATE_FAILED", signal);
    return { volume, sessionId };
  };

  return {
    name: "docker",

    async isAvailable(signal?: AbortSignal): Promise<boolean> {
      try {
        const timeout = AbortSignal.timeout(settings.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS);
        const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
        if (abortSignal.aborted) return false;
        // dockerode's typings omit ping's options; it does pass abortSignal on.
        const docker = getDocker() as unknown as { ping(options: object): Promise<unknown> };
        const ping = docker.ping({ abortSignal });
        const aborted = new Promise<never>((_, reject) => {
          abortSignal.addEventListener("abort", () => reject(abortSignal.reason), { once: true });
        });
        await Promise.race([ping, aborted]);
        return true;
      } catch {
        return false;
      }
    },

    async create(options: CreateSandboxOptions): Promise<Sandbox> {
      const { signal } = options;
      if (signal.aborted) throw abortReason(signal);
      const docker = client();
      const ownedBy = await ownerLabel();
      const session = options.workspace ? await sessionOf(options.workspace, signal) : undefined;
      let container: Dockerode.Container;
      try {
        // Not aborted mid-request: a container created behind an aborted request would leak.
        container = await docker.createContainer(containerSpec(options, ownedBy, session));
      } catch (error) {
        throw toSandboxError(error, "SANDBOX_CREATE_FAILED", "create the sandbox container", {
          image,
        });
      }
      try {
        signal.throwIfAborted();
        const archive = await packEntries(initialEntries(RUNNER_DIR));
        await container.putArchive(archive, { path: "/" });
        signal.throwIfAborted();
        await container.start();
        signal.throwIfAborted();
        return new DockerSandbox({ docker, container, runnerDir: RUNNER_DIR, nodePath });
      } catch (error) {
        await container.remove({ force: true, v: true }).catch(() => {});
        if (signal.aborted) throw abortReason(signal);
        throw toSandboxError(error, "SANDBOX_CREATE_FAILED", "start the sandbox container", {
          image,
        });
      }
    },

    async sweepOrphans(signal?: AbortSignal): Promise<number> {
      try {
        return await sweepOrphans(client(), {
          constructedAt,
          instanceId: settings.instanceId,
          labels: settings.labels,
          signal,
        });
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        throw toSandboxError(error, "SANDBOX_UNAVAILABLE", "sweep orphaned sandboxes");
      }
    },

    createWorkspace: async (sessionId, signal) =>
      createWorkspaceVolume(workspaceContext(), sessionId, signal),
    deleteWorkspace: async (workspace, signal) =>
      deleteWorkspaceVolume(workspaceContext(), workspace, signal),
    exportWorkspace: async (workspace, signal) =>
      exportWorkspaceVolume(workspaceContext(), workspace, signal),
    importWorkspace: async (workspace, tar, signal) =>
      importWorkspaceVolume(workspaceContext(), workspace, tar, signal),
    listWorkspaces: async (signal) => listWorkspaceVolumes(workspaceContext(), signal),
  };
}
