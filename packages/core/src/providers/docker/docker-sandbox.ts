// One Docker sandbox: a running container plus staging, exec, changed-file reads and teardown.
import { posix } from "node:path";
import type Dockerode from "dockerode";
import type {
  ChangedFiles,
  ChangedFilesLimits,
  Sandbox,
  SandboxProcess,
  SandboxState,
  SpawnOptions,
  StagedFile,
} from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { bootedProcess, isBootedRunnerSpawn } from "./booted-process.js";
import type { BootedRunner } from "./booted-runner.js";
import { type ContainerLimits, containerLimitsHit } from "./cgroup-limits.js";
import { collectChangedFiles } from "./changed-files.js";
import { SCRATCH_PATH, STATE_DIR, WORKSPACE_PATH } from "./constants.js";
import { abortable, abortReason, isNotFound, messageOf, toSandboxError } from "./errors.js";
import { type ProcessContext, spawnProcess } from "./exec-process.js";
import { removeHostDir } from "./host-dir.js";
import { scratchDir, stagedEntries, stagedMarkerEntry } from "./staged-entries.js";
import { archiveName, packEntries, readSingleFile, rebased, type SingleFileResult } from "./tar.js";
import { candidatesOf, WorkspaceScanner } from "./workspace-scan.js";

export interface DockerSandboxInit {
  docker: Dockerode;
  container: Dockerode.Container;
  runnerDir: string;
  nodePath: string;
  /** Host socket dir (bound at SANDBOX_HOST_DIR); removed with the container. */
  hostSocketDir: string;
  notices?: readonly string[];
  /** For the limit warnings (what the container was created with). */
  limits: ContainerLimits;
  /** The runner bundle placed in the host dir at create (see installed-runner.ts). */
  installedRunner?: Sandbox["installedRunner"];
  /** That runner, booted idle by the container's main process as it started. */
  bootedRunner?: BootedRunner | undefined;
}

/**
 * How long the first spawn of the runner waits for the one the container boots (it is up in
 * ~0.3 s here; a loaded host may take seconds) before it starts one by exec.
 */
const BOOT_WAIT_MS = 20_000;

/** How long destroy() waits for a removal the daemon already has in progress. */
const REMOVAL_WAIT_MS = 15_000;

export class DockerSandbox implements Sandbox {
  readonly provider = "docker" as const;
  readonly workspacePath = WORKSPACE_PATH;
  readonly runnerDir: string;
  readonly nodePath: string;
  readonly hostSocketDir: string;
  readonly notices: readonly string[];
  readonly installedRunner: Sandbox["installedRunner"];
  readonly #docker: Dockerode;
  readonly #container: Dockerode.Container;
  readonly #limits: ContainerLimits;
  #state: SandboxState = "ready";
  #running = 0;
  #destroying: Promise<void> | undefined;
  readonly #scanner: WorkspaceScanner;
  /** Handed to the first spawn of the idle runner; any other first spawn discards it. */
  #booted: BootedRunner | undefined;
  /**
   * The changed files the booted runner's main process scanned as the runner exited (undefined
   * rows: none came); dropped by anything that can change the workspace after (a write, a spawn).
   */
  #exitScan: Promise<unknown> | undefined;

  constructor(init: DockerSandboxInit) {
    this.#docker = init.docker;
    this.#container = init.container;
    this.#limits = init.limits;
    this.runnerDir = init.runnerDir;
    this.nodePath = init.nodePath;
    this.hostSocketDir = init.hostSocketDir;
    this.notices = init.notices ?? [];
    this.installedRunner = init.installedRunner;
    this.#booted = init.bootedRunner;
    this.#scanner = new WorkspaceScanner({
      docker: init.docker,
      container: init.container,
      nodePath: init.nodePath,
      workspacePath: WORKSPACE_PATH,
    });
  }

  get id(): string {
    return this.#container.id;
  }

  /** Limits the sandbox ran into (memory, process count), relayed as SANDBOX_LIMIT_EXCEEDED. */
  limitWarnings(): Promise<string[]> {
    return containerLimitsHit(this.id, this.#limits).catch(() => []);
  }

  get state(): SandboxState {
    return this.#state;
  }

  async writeFiles(files: readonly StagedFile[], signal: AbortSignal): Promise<void> {
    this.#assertUsable(signal);
    this.#exitScan = undefined;
    const entries = stagedEntries(files, [this.workspacePath, this.runnerDir]);
    const inWorkspace = `${archiveName(this.workspacePath)}/`;
    // Two archives, one per writable mount (the root is read-only); the marker goes last.
    const workspace = entries.filter((entry) => entry.name.startsWith(inWorkspace));
    const scratch = entries.filter((entry) => !entry.name.startsWith(inWorkspace));
    try {
      if (workspace.length > 0) {
        const archive = await packEntries(rebased(workspace, this.workspacePath));
        await this.#container.putArchive(archive, {
          path: this.workspacePath,
          abortSignal: signal,
        });
      }
      // The dirs the main process makes at start, in case this comes first (same owner and mode).
      const dirs = [
        scratchDir(STATE_DIR, 0o700),
        ...(scratch.length > 0 ? [scratchDir(this.runnerDir, 0o755)] : []),
      ];
      const archive = await packEntries(
        rebased([...dirs, ...scratch, stagedMarkerEntry()], SCRATCH_PATH),
      );
      await this.#container.putArchive(archive, { path: SCRATCH_PATH, abortSignal: signal });
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      throw this.#fail(error, "SANDBOX_IO_FAILED", "write files");
    }
  }

  #processContext(booted = false): ProcessContext {
    return {
      docker: this.#docker,
      container: this.#container,
      nodePath: this.nodePath,
      workspacePath: this.workspacePath,
      runnerPath: this.installedRunner?.path,
      readSmallFile: (path) => this.#readSmallFile(path),
      // Once the process is up and printing (not competing with its start for the CPU), a
      // scanner boots beside it: the changed files are then listed without a Node start.
      // The booted runner's changed files come from its main process as it exits.
      onFirstOutput: () => {
        if (!this.#destroying && !booted) void this.#scanner.prestart();
      },
      onStart: () => {
        this.#running++;
        if (this.#state === "ready") this.#state = "running";
      },
      onExit: () => {
        this.#running--;
        if (this.#running === 0 && this.#state === "running") this.#state = "ready";
      },
    };
  }

  async spawn(options: SpawnOptions): Promise<SandboxProcess> {
    this.#assertUsable(options.signal);
    // Not cleared before the take settles: a destroy meanwhile discards it, ending the wait.
    const booted = this.#booted;
    this.#exitScan = undefined;
    try {
      if (booted && isBootedRunnerSpawn(this, options)) {
        const taken = await booted.take(BOOT_WAIT_MS, options.signal);
        if (this.#booted === booted) this.#booted = undefined;
        if (taken && (this.#destroying || options.signal.aborted)) {
          // Dropping its sockets makes the main process kill it.
          for (const socket of [taken.input, taken.output, taken.errors, taken.control])
            socket.destroy();
        }
        this.#assertUsable(options.signal);
        if (taken) {
          let scanned: (rows: unknown) => void = () => {};
          const exitScan = new Promise<unknown>((resolve) => {
            scanned = resolve;
          });
          this.#exitScan = exitScan;
          const context = this.#processContext(true);
          return bootedProcess(context, booted.id, taken, options.signal, scanned);
        }
      }
      // Anything else first: the sandbox runs only what it is asked to, no idle runner beside it.
      booted?.discard();
      if (this.#booted === booted) this.#booted = undefined;
      return await spawnProcess(this.#processContext(), options);
    } catch (error) {
      if (options.signal.aborted) throw abortReason(options.signal);
      throw this.#fail(error, "SANDBOX_EXEC_FAILED", "start a process");
    }
  }

  prestart(): Promise<void> {
    if (this.#destroying || this.#state === "stopped") return Promise.resolve();
    // The run's end is scanned by the booted runner's main process as the runner exits: a
    // scanner waiting beside it would idle in the pooled container, unused. (Should the runner's
    // spawn fall back to exec, that process starts its scanner once it prints.)
    if (this.#booted) return Promise.resolve();
    return this.#scanner.prestart();
  }

  async readChangedFiles(limits: ChangedFilesLimits, signal: AbortSignal): Promise<ChangedFiles> {
    this.#assertUsable(signal);
    try {
      const exitScan = this.#exitScan;
      this.#exitScan = undefined;
      return await collectChangedFiles(
        {
          scan: async (scanSignal) =>
            (exitScan && candidatesOf(await abortable(exitScan, scanSignal))) ||
            this.#scanner.scan(scanSignal),
          read: (path, maxBytes, readSignal) =>
            this.#readFile(posix.join(this.workspacePath, path), maxBytes, readSignal),
        },
        limits,
        signal,
      );
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      throw this.#fail(error, "SANDBOX_IO_FAILED", "read changed files");
    }
  }

  async checkHealth(signal: AbortSignal): Promise<boolean> {
    if (this.#destroying || this.#state === "stopped" || this.#state === "failed") return false;
    try {
      const info = await this.#container.inspect({ abortSignal: signal });
      return info.State.Running === true;
    } catch {
      return false;
    }
  }

  destroy(): Promise<void> {
    this.#booted?.discard();
    this.#booted = undefined;
    this.#destroying ??= (async () => {
      try {
        await this.#container.remove({ force: true, v: true });
      } catch (error) {
        // 404 means gone. 409 "removal already in progress" means going (AutoRemove races us), and
        // a loaded daemon may fail a forced removal it then finishes: wait until it is gone (bounded),
        // then try once more, so a destroyed sandbox is not still listed by the daemon. A daemon
        // that is down cannot be helped here: the dead-man switch ends the container.
        if (!isNotFound(error)) {
          await this.#removed();
          await this.#container.remove({ force: true, v: true }).catch(() => undefined);
        }
      }
      await removeHostDir(this.hostSocketDir);
      this.#state = "stopped";
    })();
    return this.#destroying;
  }

  /** Resolves once the daemon no longer has the container (bounded: removal is seconds at most). */
  async #removed(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#container.wait({ condition: "removed" }).catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, REMOVAL_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  #assertUsable(signal: AbortSignal): void {
    if (this.#destroying || this.#state === "stopped") {
      throw new SandboxError("SANDBOX_DESTROYED", "The sandbox has been destroyed");
    }
    if (signal.aborted) throw abortReason(signal);
  }

  /** Converts an error, marking the sandbox failed when its container turned out to be gone. */
  #fail(error: unknown, code: SandboxError["code"], action: string): SandboxError {
    const converted = toSandboxError(error, code, action);
    if (converted.code === "SANDBOX_DESTROYED" && !this.#destroying) this.#state = "failed";
    return converted;
  }

  async #readFile(path: string, maxBytes: number, signal?: AbortSignal): Promise<SingleFileResult> {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await this.#container.getArchive({ path, abortSignal: signal });
    } catch (error) {
      // 404 is both "no such container" and "no such file": only the latter means missing.
      if (isNotFound(error) && !/no such container/i.test(messageOf(error))) {
        return { kind: "missing" };
      }
      throw error;
    }
    return readSingleFile(archive, maxBytes);
  }

  async #readSmallFile(path: string): Promise<Buffer | undefined> {
    const result = await this.#readFile(path, 1024 * 1024);
    return result.kind === "file" ? result.content : undefined;
  }
}
