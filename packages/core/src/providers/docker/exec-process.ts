// A spawned sandbox process: live streams, exit status, and a real kill() of its whole process tree.
import { randomBytes } from "node:crypto";
import { constants } from "node:os";
import type Dockerode from "dockerode";
import type { ExitStatus, SandboxProcess, SpawnOptions } from "../../sandbox/sandbox.js";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { stdinStream } from "../../sandbox/stdin-stream.js";
import {
  KILL_REQUEST_DIR,
  PROCESS_MARK_ENV,
  SANDBOX_GID,
  SANDBOX_UID,
  SCRATCH_PATH,
  STATE_DIR,
} from "./constants.js";
import { abortReason, isContainerGone, isUnreachable, toSandboxError } from "./errors.js";
import { type ExecStreams, execExitCode, runExec, startExec, toWebStream } from "./exec.js";
import { KILLER_SCRIPT, RUNNER_WRAPPER_SCRIPT, WRAPPER_SCRIPT } from "./in-sandbox-scripts.js";
import { archiveName, packEntries, rebased } from "./tar.js";

export interface ProcessContext {
  docker: Dockerode;
  container: Dockerode.Container;
  nodePath: string;
  workspacePath: string;
  /** The runner installed in the host dir: run by `nodePath` in the wrapper's own process. */
  runnerPath?: string | undefined;
  /** A small file of the container, or undefined when it does not exist. */
  readSmallFile(path: string): Promise<Buffer | undefined>;
  /** The process printed its first byte (stdout or stderr). */
  onFirstOutput?: () => void;
  onStart(): void;
  onExit(): void;
}

const KILL_ATTEMPTS = 5;
const signalName = (number: number) =>
  Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
/** A timer that does not keep the process alive: it only bounds waits on I/O. */
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Starts `options.command` inside the container through the process-group wrapper (the installed
 * runner: in the wrapper's own process).
 */
export async function spawnProcess(
  context: ProcessContext,
  options: SpawnOptions,
): Promise<SandboxProcess> {
  if (options.signal.aborted) throw abortReason(options.signal);
  if (options.command.length === 0 || !options.command[0]) {
    throw new SandboxError("SANDBOX_EXEC_FAILED", "spawn() needs a non-empty command");
  }
  const id = randomBytes(8).toString("hex");
  const [file, script] = options.command;
  const isRunner =
    file === context.nodePath && script !== undefined && script === context.runnerPath;
  let streams: ExecStreams;
  try {
    streams = await startExec(context.docker, context.container, {
      cmd: [
        context.nodePath,
        "-e",
        isRunner ? RUNNER_WRAPPER_SCRIPT : WRAPPER_SCRIPT,
        "--",
        id,
        STATE_DIR,
        options.cwd ?? context.workspacePath,
        ...options.command,
      ],
      env: { ...options.env, [PROCESS_MARK_ENV]: id },
      // The wrapper enters the cwd: it may be a dir of the layout the wrapper makes first.
      workingDir: "/",
      stdin: options.stdin === true,
      onFirstOutput: context.onFirstOutput,
    });
  } catch (error) {
    throw toSandboxError(error, "SANDBOX_EXEC_FAILED", "start a process");
  }
  context.onStart();
  return new DockerProcess(context, id, streams, options.signal);
}

class DockerProcess implements SandboxProcess {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly stdin?: WritableStream<Uint8Array>;
  readonly #context: ProcessContext;
  readonly #id: string;
  readonly #streams: ExecStreams;
  readonly #result: Promise<ExitStatus>;
  #exited = false;
  #killRequested = false;
  #killing: Promise<void> | undefined;

  constructor(context: ProcessContext, id: string, streams: ExecStreams, signal: AbortSignal) {
    this.#context = context;
    this.#id = id;
    this.#streams = streams;
    this.stdout = toWebStream(streams.stdout);
    this.stderr = toWebStream(streams.stderr);
    // The connection carries stdin too: once it is gone, so is the process's stdin.
    if (streams.stdin) this.stdin = stdinStream(streams.stdin, streams.ended);
    const onAbort = () => void this.kill();
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();
    this.#result = streams.ended
      .then(() => {
        this.#exited = true;
        signal.removeEventListener("abort", onAbort);
        return this.#status();
      })
      .finally(() => context.onExit());
    this.#result.catch(() => {});
  }

  wait(): Promise<ExitStatus> {
    return this.#result;
  }

  kill(): Promise<void> {
    this.#killing ??= this.#kill();
    return this.#killing;
  }

  async #status(): Promise<ExitStatus> {
    let code: number | null;
    try {
      code = await execExitCode(this.#streams.exec);
    } catch {
      // The container (and with it the exec) is gone: everything in it was killed.
      return { exitCode: null, signal: "SIGKILL" };
    }
    if (code === null)
      return { exitCode: null, signal: this.#killRequested ? "SIGKILL" : undefined };
    if (code > 128) {
      if (this.#killRequested) return { exitCode: null, signal: "SIGKILL" };
      const recorded = await this.#recordedExit();
      if (recorded) {
        return recorded.signal ? { exitCode: null, signal: recorded.signal } : { exitCode: code };
      }
      // The wrapper records every exit it sees: without a record, it was killed itself.
      const signal = signalName(code - 128);
      if (signal) return { exitCode: null, signal };
    }
    return { exitCode: code };
  }

  /** What the wrapper wrote about the command's end (tells `exit 137` from death by SIGKILL). */
  async #recordedExit(): Promise<{ code: number | null; signal: string | null } | undefined> {
    try {
      const raw = await this.#context.readSmallFile(`${STATE_DIR}/${this.#id}.exit`);
      return raw ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      return undefined;
    }
  }

  async #kill(): Promise<void> {
    if (this.#exited) return;
    this.#killRequested = true;
    // Alternate the two ways: ask the container's main process (needs no new process, so it
    // works at the pids limit), then run the killer through exec (works if the former died).
    for (let attempt = 0; attempt < KILL_ATTEMPTS && !this.#exited; attempt++) {
      try {
        if (attempt % 2 === 0) await this.#askSupervisor();
        else await this.#runKiller();
      } catch (error) {
        // No container or no daemon: nothing is left to kill, the output stream ends by itself.
        if (isContainerGone(error) || isUnreachable(error)) break;
      }
      await Promise.race([this.#streams.ended, delay(1_000)]);
    }
    await Promise.race([this.#streams.ended, delay(5_000)]);
    // Whatever still holds the output open cannot be reached: stop waiting for it.
    if (!this.#exited) this.#streams.close();
    await this.#streams.ended;
  }

  async #askSupervisor(): Promise<void> {
    const owner = { uid: SANDBOX_UID, gid: SANDBOX_GID };
    const request = await packEntries(
      rebased(
        [
          { name: `${archiveName(KILL_REQUEST_DIR)}/`, type: "directory", mode: 0o700, ...owner },
          {
            name: `${archiveName(KILL_REQUEST_DIR)}/${this.#id}`,
            type: "file",
            mode: 0o600,
            ...owner,
          },
        ],
        SCRATCH_PATH,
      ),
    );
    await this.#context.container.putArchive(request, { path: SCRATCH_PATH });
    await this.#context.container.kill({ signal: "SIGUSR2" });
  }

  async #runKiller(): Promise<void> {
    await runKiller(this.#context, this.#id);
  }
}

/** Kills the tree of spawn `id` by a killer process run through exec. */
export async function runKiller(context: ProcessContext, id: string): Promise<void> {
  const { docker, container, nodePath } = context;
  const cmd = [nodePath, "-e", KILLER_SCRIPT, "--", id, STATE_DIR, PROCESS_MARK_ENV];
  await runExec(docker, container, { cmd, workingDir: "/" });
}
