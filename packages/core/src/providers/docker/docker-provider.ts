// createDockerProvider(): the "docker" SandboxProvider (create, availability, orphan sweep, sessions).
import type Dockerode from "dockerode";
import { currentOwner } from "../../host/process-owner.js";
import { runnerBundlePath } from "../../run/runner-bundle.js";
import type {
  CreateSandboxOptions,
  Sandbox,
  SandboxProvider,
  SessionWorkspace,
} from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { BootedRunner } from "./booted-runner.js";
import { lazyDockerClient } from "./client.js";
import {
  DEFAULT_DEAD_MAN_MARGIN_MS,
  DEFAULT_DISK_MB,
  DEFAULT_NODE_PATH,
  DEFAULT_PING_TIMEOUT_MS,
  RUNNER_DIR,
} from "./constants.js";
import { containerSpec } from "./container-spec.js";
import { diskNotices } from "./disk-notices.js";
import { DockerSandbox } from "./docker-sandbox.js";
import { abortReason, DAEMON_HINT, toSandboxError } from "./errors.js";
import { createHostDir, DEFAULT_HOST_DIR_ROOT, removeHostDir, sweepHostDirs } from "./host-dir.js";
import { installRunner } from "./installed-runner.js";
import { sweepOrphans } from "./orphans.js";
import { exportWorkspaceVolume, importWorkspaceVolume } from "./workspace-archive.js";
import type { WorkspaceContext } from "./workspace-helper.js";
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
  /**
   * Cap of a run's /workspace in MB (docker.diskMb; default 1024); /tmp gets a quarter. Both are
   * in memory, counted against memoryMb. Session workspaces (volumes) are not capped.
   */
  diskMb?: number;
  /**
   * Host directory holding each sandbox's socket dir (default <tmpdir>/sandcaster-docker). The
   * daemon must see the same path: a remote daemon cannot bind it.
   */
  hostDirRoot?: string;
  /**
   * Whether the container's main process boots the runner as it starts (default true). False: every
   * runner is started by exec, with pipes for its stdio (what a booted runner that never came up
   * falls back to; tests use it to reach that path).
   */
  bootRunner?: boolean;
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

export function createDockerProvider(settings: DockerProviderSettings): DockerSandboxProvider {
  const constructedAt = Date.now();
  const getDocker = lazyDockerClient(settings.docker, settings.socketPath);
  const nodePath = settings.nodePath ?? DEFAULT_NODE_PATH;
  const image = settings.image;
  const diskMb = settings.diskMb ?? DEFAULT_DISK_MB;
  const hostDirRoot = settings.hostDirRoot ?? DEFAULT_HOST_DIR_ROOT;

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
      let hostDir: string;
      try {
        hostDir = await createHostDir(hostDirRoot, ownedBy);
      } catch (error) {
        throw new SandboxError("SANDBOX_CREATE_FAILED", "Cannot create the sandbox's host dir", {
          hint: `check that ${hostDirRoot} is writable (docker hostDirRoot)`,
          cause: error,
        });
      }
      // The runner, read-only inside: no run copies it in (see installed-runner.ts).
      let runnerPath: string;
      try {
        runnerPath = await installRunner(runnerBundlePath(), hostDir);
      } catch (error) {
        await removeHostDir(hostDir);
        throw new SandboxError("SANDBOX_CREATE_FAILED", "Cannot place the runner bundle", {
          hint: `run \`npm run build\` (runner bundle at ${runnerBundlePath()}), and check that ${hostDirRoot} is writable`,
          cause: error,
        });
      }
      // Listening before the container starts: its main process boots the runner at once.
      const booted =
        settings.bootRunner === false || options.runsRunner === false
          ? undefined
          : await BootedRunner.listen(hostDir).catch(() => undefined);
      let container: Dockerode.Container;
      try {
        // Not aborted mid-request: a container created behind an aborted request would leak.
        container = await docker.createContainer(
          containerSpec({
            options,
            image,
            nodePath,
            ownedBy,
            labels: settings.labels,
            instanceId: settings.instanceId,
            deadManMarginMs: settings.deadManMarginMs ?? DEFAULT_DEAD_MAN_MARGIN_MS,
            diskMb,
            hostDir,
            session,
            bootRunner: booted ? { id: booted.id } : undefined,
          }),
        );
      } catch (error) {
        booted?.discard();
        await removeHostDir(hostDir);
        throw toSandboxError(error, "SANDBOX_CREATE_FAILED", "create the sandbox container", {
          image,
        });
      }
      try {
        signal.throwIfAborted();
        // Nothing is put into it here: its main process makes the dirs under /tmp and the staged
        // marker as it starts (an archive call costs ~130 ms on a loaded host, whatever its size).
        await container.start();
        signal.throwIfAborted();
        return new DockerSandbox({
          docker,
          container,
          runnerDir: RUNNER_DIR,
          nodePath,
          hostSocketDir: hostDir,
          notices: diskNotices(diskMb, options.limits.memoryMb, session !== undefined),
          limits: { memoryMb: options.limits.memoryMb, pids: options.limits.pids },
          installedRunner: { path: runnerPath },
          bootedRunner: booted,
        });
      } catch (error) {
        booted?.discard();
        await container.remove({ force: true, v: true }).catch(() => {});
        await removeHostDir(hostDir);
        if (signal.aborted) throw abortReason(signal);
        throw toSandboxError(error, "SANDBOX_CREATE_FAILED", "start the sandbox container", {
          image,
        });
      }
    },

    async sweepOrphans(signal?: AbortSignal): Promise<number> {
      try {
        const containers = await sweepOrphans(client(), {
          constructedAt,
          instanceId: settings.instanceId,
          labels: settings.labels,
          signal,
        });
        // Dirs are judged by their owner only (a live server's dirs are its own to remove).
        await sweepHostDirs(hostDirRoot);
        return containers;
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
