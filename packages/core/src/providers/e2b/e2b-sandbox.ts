// One E2B sandbox: staging, spawn, changed-file reads and teardown over the official SDK.
import { posix } from "node:path";
import type { Sandbox as SdkSandbox } from "e2b";
import type {
  ChangedFiles,
  ChangedFilesLimits,
  CreateSandboxOptions,
  Sandbox,
  SandboxProcess,
  SandboxState,
  SpawnOptions,
  StagedFile,
} from "../../sandbox/sandbox.js";
import { SandboxError, type SandboxErrorCode } from "../../sandbox/sandbox-error.js";
import { collectChangedFiles } from "../docker/changed-files.js";
import type { SingleFileResult } from "../docker/tar.js";
import { REQUEST_TIMEOUT_MS, RUNNER_DIR, WORKSPACE_PATH } from "./constants.js";
import { type E2BProcess, spawnProcess } from "./e2b-process.js";
import { egressOptions, networkUpdate } from "./egress-options.js";
import {
  abortReason,
  isFileNotFound,
  isLost,
  isSandboxGone,
  lostError,
  toSandboxError,
} from "./errors.js";
import { runHelper, toArrayBuffer } from "./helper.js";
import { checkStagedPath, parseScan, scanScript, setupScript, stageScript } from "./shell.js";
import { resumeScript } from "./workspace-shell.js";

export interface E2BSandboxInit {
  sdk: SdkSandbox;
  nodePath: string;
  /** Bound on each spawned command: the sandbox's whole lifetime. */
  commandTimeoutMs: number;
  /** The non-secret environment E2B could not set at creation (a resumed session sandbox). */
  env?: Readonly<Record<string, string>>;
  /** A resumed session sandbox: setup() first clears what earlier turns left behind. */
  resumed?: boolean;
  /** How destroy() lets go of the sandbox once its processes are dead (default: kill it). */
  release?: () => Promise<void>;
  onDestroyed?: () => void;
  /** Relayed as warnings (e.g. where e2b's firewall enforces less than the egress policy). */
  notices?: readonly string[];
  logger?: { warn(obj: object, msg: string): void } | undefined;
}

const request = { requestTimeoutMs: REQUEST_TIMEOUT_MS };

export class E2BSandbox implements Sandbox {
  readonly provider = "e2b" as const;
  // E2B's lifecycle webhooks name the sandbox; the server believes one only for its run's sandbox.
  readonly webhooksFindRunBySandboxId = true;
  readonly workspacePath = WORKSPACE_PATH;
  readonly runnerDir = RUNNER_DIR;
  readonly nodePath: string;
  notices: readonly string[];
  readonly #init: E2BSandboxInit;
  readonly #sdk: SdkSandbox;
  readonly #processes = new Set<E2BProcess>();
  #state: SandboxState = "creating";
  #destroying: Promise<void> | undefined;

  constructor(init: E2BSandboxInit) {
    this.#init = init;
    this.#sdk = init.sdk;
    this.nodePath = init.nodePath;
    this.notices = init.notices ?? [];
  }

  get id(): string {
    return this.#sdk.sandboxId;
  }

  get state(): SandboxState {
    return this.#state;
  }

  /**
   * Creates the workspace, runner and state dirs and the initial staged marker (in a resumed
   * sandbox after killing earlier turns' processes and emptying the runner and state dirs).
   */
  async setup(signal: AbortSignal): Promise<void> {
    const script = this.#init.resumed
      ? resumeScript(this.id)
      : setupScript([WORKSPACE_PATH, RUNNER_DIR]);
    await this.#run(script, signal, "prepare the sandbox");
    this.#state = "ready";
  }

  /** A pooled sandbox was made with no policy: the run's own egress rules replace whatever it had. */
  async adopt(options: CreateSandboxOptions): Promise<void> {
    this.#assertUsable(options.signal);
    const update = networkUpdate(options);
    const notices = egressOptions(options.network)?.warnings ?? [];
    await this.#sdk.updateNetwork(update, { ...request, signal: options.signal });
    this.notices = [...this.notices, ...notices];
  }

  async writeFiles(files: readonly StagedFile[], signal: AbortSignal): Promise<void> {
    this.#assertUsable(signal);
    const modes = new Map<number, string[]>();
    for (const file of files) {
      checkStagedPath(file.path, [this.workspacePath, this.runnerDir]);
      if (file.mode !== undefined)
        modes.set(file.mode, [...(modes.get(file.mode) ?? []), file.path]);
    }
    const entries = files.map((file) => ({ path: file.path, data: toArrayBuffer(file.content) }));
    try {
      await this.#sdk.files.write(entries, { ...request, signal });
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      throw await this.#fail(error, "SANDBOX_IO_FAILED", "write files");
    }
    await this.#run(stageScript(modes), signal, "mark the staged files");
  }

  async spawn(options: SpawnOptions): Promise<SandboxProcess> {
    this.#assertUsable(options.signal);
    const process = await spawnProcess(
      {
        sdk: this.#sdk,
        cwd: this.workspacePath,
        env: this.#init.env,
        commandTimeoutMs: this.#init.commandTimeoutMs,
        isGone: () => this.#probeGone(),
        onLost: () => this.#markLost(),
        onExit: (exited) => {
          this.#processes.delete(exited);
          if (this.#processes.size === 0 && this.#state === "running") this.#state = "ready";
        },
      },
      options,
    );
    if (this.#destroying) {
      await process.kill();
      throw new SandboxError("SANDBOX_DESTROYED", "The sandbox has been destroyed");
    }
    if (!process.exited) {
      this.#processes.add(process);
      if (this.#state === "ready") this.#state = "running";
    }
    return process;
  }

  async readChangedFiles(limits: ChangedFilesLimits, signal: AbortSignal): Promise<ChangedFiles> {
    this.#assertUsable(signal);
    return collectChangedFiles(
      {
        scan: async (scanSignal) =>
          parseScan(await this.#run(scanScript(this.workspacePath), scanSignal, "list files")),
        read: (path, maxBytes, readSignal) =>
          this.#readFile(posix.join(this.workspacePath, path), maxBytes, readSignal),
      },
      limits,
      signal,
    );
  }

  destroy(): Promise<void> {
    this.#destroying ??= (async () => {
      await Promise.allSettled([...this.#processes].map((process) => process.kill()));
      const { release } = this.#init;
      try {
        await (release ? release() : this.#sdk.kill(request));
      } catch (error) {
        // Gone already, or E2B unreachable: its timeout (the dead-man switch) ends or pauses it.
        if (!isLost(toSandboxError(error, "SANDBOX_IO_FAILED", "kill"))) {
          this.#init.logger?.warn(
            { sandboxId: this.id, err: error },
            release
              ? "e2b: could not pause the session sandbox; its timeout will pause it"
              : "e2b: could not kill the sandbox; its timeout will end it",
          );
        }
      }
      this.#state = "stopped";
      this.#init.onDestroyed?.();
    })();
    return this.#destroying;
  }

  #assertUsable(signal: AbortSignal): void {
    if (this.#destroying || this.#state === "stopped") {
      throw new SandboxError("SANDBOX_DESTROYED", "The sandbox has been destroyed");
    }
    if (this.#state === "failed") throw lostError("it was lost earlier");
    if (signal.aborted) throw abortReason(signal);
  }

  #markLost(): void {
    if (!this.#destroying) this.#state = "failed";
  }

  /** Whether E2B says the sandbox is gone (unknown counts as "not gone"). */
  async #probeGone(): Promise<boolean> {
    try {
      return !(await this.#sdk.isRunning(request));
    } catch (error) {
      return isSandboxGone(error);
    }
  }

  /** Converts an error; one the SDK did not classify is checked against the sandbox's health. */
  async #fail(error: unknown, code: SandboxErrorCode, action: string): Promise<SandboxError> {
    let converted = toSandboxError(error, code, action);
    if (converted.code === code && (await this.#probeGone())) converted = lostError(action, error);
    if (isLost(converted)) this.#markLost();
    return converted;
  }

  /** Runs a helper shell script to completion; its stdout, or SANDBOX_IO_FAILED. */
  async #run(script: string, signal: AbortSignal, action: string): Promise<string> {
    try {
      return await runHelper(this.#sdk, script, { signal, action });
    } catch (error) {
      if (signal.aborted || SandboxError.isInstance(error)) throw error;
      throw await this.#fail(error, "SANDBOX_IO_FAILED", action);
    }
  }

  async #readFile(path: string, maxBytes: number, signal: AbortSignal): Promise<SingleFileResult> {
    let content: Uint8Array;
    try {
      content = await this.#sdk.files.read(path, { ...request, format: "bytes", signal });
    } catch (error) {
      if (isFileNotFound(error)) return { kind: "missing" };
      if (signal.aborted) throw abortReason(signal);
      throw await this.#fail(error, "SANDBOX_IO_FAILED", "read a changed file");
    }
    if (content.length > maxBytes) return { kind: "too_large", size: content.length };
    return {
      kind: "file",
      content: Buffer.from(content.buffer, content.byteOffset, content.length),
    };
  }
}
