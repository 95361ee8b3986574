// The sandbox provider contract: every provider (local, docker, e2b) implements exactly this. Types only.
import type { SandboxProviderName } from "./enums.js";
import type { NetworkPolicy } from "./network.js";

/** creating → ready → running → stopped | failed. */
export type SandboxState = "creating" | "ready" | "running" | "stopped" | "failed";

export interface SandboxLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
  /** The run's timeout: a provider may use it as a dead-man switch for the whole sandbox. */
  timeoutMs: number;
  network: "bridge" | "none" | "host";
}

export interface CreateSandboxOptions {
  runId: string;
  /** Non-secret environment for every process of the sandbox. Secrets go to spawn() only. */
  env: Record<string, string>;
  limits: SandboxLimits;
  signal: AbortSignal;
  /**
   * A session's workspace (from createWorkspace): the sandbox starts with it at `workspacePath`
   * (docker: the volume mounted; local: the directory bound; e2b: the paused sandbox resumed), and
   * destroy() keeps it (e2b: pauses instead of killing).
   */
  workspace?: SessionWorkspace;
  /**
   * The run's egress policy, for providers that enforce it themselves (e2b's firewall); local and
   * docker sandboxes have no network and reach the host's egress proxy through the socket dir.
   * `gatewayUrl` (gateway.publicUrl) must stay reachable.
   */
  network?: { policy: NetworkPolicy; gatewayUrl?: string | undefined };
  /**
   * false: no runner will ever start in this sandbox (a composite run's secondary, which only
   * executes commands), so a provider that boots one ahead as the sandbox starts (docker) does not.
   * Default true.
   */
  runsRunner?: boolean;
}

/** Where a session's files live between turns; `ref` is the provider's own name for it. */
export interface SessionWorkspace {
  provider: SandboxProviderName;
  /** docker: volume name; local: absolute directory; e2b: sandbox id. */
  ref: string;
}

export interface StagedFile {
  /** Absolute path inside the sandbox: under `workspacePath` or `runnerDir`. */
  path: string;
  content: Uint8Array;
  /** Unix mode; default 0o644. */
  mode?: number;
}

export interface SpawnOptions {
  /** argv; argv[0] is resolved inside the sandbox. */
  command: string[];
  /** Environment of this process only: where model credentials go. */
  env: Record<string, string>;
  /** Default: the workspace. */
  cwd?: string;
  /**
   * Open a pipe to the process's stdin (SandboxProcess.stdin). Default false: stdin is empty
   * (EOF at once). The host answers the runner's requests through it (composite workflows).
   */
  stdin?: boolean;
  signal: AbortSignal;
}

export interface ExitStatus {
  /** Null when the process was killed by a signal. */
  exitCode: number | null;
  signal?: string | undefined;
}

export interface SandboxProcess {
  /** Live output, as it is produced (never buffered until exit). */
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  /**
   * Present when spawned with `stdin: true`: each write reaches the process's stdin as written (no
   * buffering until close); close() sends EOF. Writes after the process ended reject.
   */
  stdin?: WritableStream<Uint8Array>;
  /** Resolves once the process has exited and both streams have ended. */
  wait(): Promise<ExitStatus>;
  /** Kills the process and everything it started. Idempotent; resolves when it is dead. */
  kill(): Promise<void>;
}

export interface ChangedFilesLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

export interface ChangedFile {
  /** Relative to the workspace, POSIX separators. */
  path: string;
  content: Uint8Array;
}

export interface SkippedFile {
  path: string;
  size: number;
  reason: "file_too_large" | "total_too_large" | "too_many_files";
}

export interface ChangedFiles {
  files: ChangedFile[];
  skipped: SkippedFile[];
}

/**
 * Where every local and docker sandbox sees its host socket dir (read-only): the server listens
 * there (e.g. `gateway.sock`) for what the sandbox may ask of the host.
 */
export const SANDBOX_HOST_DIR = "/run/sandcaster";

export interface Sandbox {
  readonly id: string;
  readonly provider: SandboxProviderName;
  readonly state: SandboxState;
  /** The workspace as processes inside the sandbox see it. */
  readonly workspacePath: string;
  /** A directory outside the workspace for the runner bundle and its config. */
  readonly runnerDir: string;
  /** The node executable inside the sandbox. */
  readonly nodePath: string;
  /**
   * Set when the provider put the runner bundle in the sandbox at create(), read-only to the
   * sandbox (docker: in its host dir, linked host-side): staging then copies no bundle, and the
   * run's config reaches the runner on its stdin (see AWAIT_CONFIG_FLAG), not as a file.
   */
  readonly installedRunner?: { readonly path: string } | undefined;
  /**
   * Host path of this sandbox's socket dir, visible inside at SANDBOX_HOST_DIR (read-only); created
   * at create(), removed at destroy(). Undefined when the provider has none (e2b).
   */
  readonly hostSocketDir?: string;
  /**
   * Where processes inside see hostSocketDir, when not at SANDBOX_HOST_DIR (a local sandbox without
   * isolation sees the host path itself).
   */
  readonly hostSocketDirInside?: string;
  /** Things the user must hear about this sandbox (e.g. "no isolation"); relayed as warnings. */
  readonly notices: readonly string[];
  /**
   * The provider's webhooks find the run by this sandbox's id while the run is on (e2b's
   * lifecycle events): the run then records the id before anything runs in it. Absent or false:
   * nothing reads the id mid-run, so it is written beside the run's start and nothing waits for it.
   */
  readonly webhooksFindRunBySandboxId?: boolean;
  writeFiles(files: readonly StagedFile[], signal: AbortSignal): Promise<void>;
  spawn(options: SpawnOptions): Promise<SandboxProcess>;
  /**
   * Regular files under the workspace created or modified after the last writeFiles() call,
   * sorted by path, read binary-safe within the limits (what does not fit is listed in `skipped`).
   */
  readChangedFiles(limits: ChangedFilesLimits, signal: AbortSignal): Promise<ChangedFiles>;
  /**
   * A cheap "is it still alive" probe (a warm pool asks before handing a sandbox out); false
   * when it is gone or broken. Never throws.
   */
  checkHealth?(signal: AbortSignal): Promise<boolean>;
  /**
   * A warm pool hands this pre-made sandbox to a run: apply what the run asked for that its
   * creation could not know (e2b: the run's egress policy in its own network settings). A sandbox
   * that cannot is not used (the run gets a cold one).
   */
  adopt?(options: CreateSandboxOptions): Promise<void>;
  /**
   * Boots ahead what ending a run needs (docker: the changed-file scanner); resolves once it is up,
   * never rejects. A warm pool calls it while it prepares the sandbox, so a run taken from the pool
   * does not share the CPU with that boot; otherwise the sandbox boots it when it sees fit.
   */
  prestart?(): Promise<void>;
  /** Kills every process and removes the sandbox. Idempotent; never throws. */
  destroy(): Promise<void>;
}

export interface SandboxProvider {
  readonly name: SandboxProviderName;
  /** Cheap check for provider auto-selection and readiness; never throws. */
  isAvailable(signal?: AbortSignal): Promise<boolean>;
  /** Creates and starts a sandbox. On failure nothing is left behind. */
  create(options: CreateSandboxOptions): Promise<Sandbox>;
  /** Removes sandboxes a crashed server left behind; returns how many. */
  sweepOrphans?(signal?: AbortSignal): Promise<number>;
  /** Sessions: a new, empty workspace that outlives sandboxes. */
  createWorkspace?(sessionId: string, signal: AbortSignal): Promise<SessionWorkspace>;
  /** Frees it for good (volume, directory or sandbox gone). Idempotent. */
  deleteWorkspace?(workspace: SessionWorkspace, signal: AbortSignal): Promise<void>;
  /**
   * The workspace's files as a tar stream (regular files and directories, relative paths). Fails
   * before the stream starts when the workspace cannot be read; the stream is produced as it is
   * read (bounded memory) and cancelling it stops the export.
   */
  exportWorkspace?(
    workspace: SessionWorkspace,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
  /**
   * Replaces the workspace's files with those of a tar stream (files and directories only, no
   * absolute paths, no `..`), checked whole first: a refused archive changes nothing.
   */
  importWorkspace?(
    workspace: SessionWorkspace,
    archive: ReadableStream<Uint8Array>,
    signal: AbortSignal,
  ): Promise<void>;
}
