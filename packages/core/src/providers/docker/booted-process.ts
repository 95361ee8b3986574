// The runner the container booted at start, as a SandboxProcess: its stdio are the sockets it was
// given, its exit comes on the main process's control line, and kill() asks that process (which
// needs no new process, so it works at the pids limit), then runs the killer by exec.
import { type Readable as NodeReadable, Readable } from "node:stream";
import { AWAIT_CONFIG_FLAG } from "@sandcaster/protocol";
import type { ExitStatus, Sandbox, SandboxProcess, SpawnOptions } from "../../sandbox/sandbox.js";
import { stdinStream, writablePipe } from "../../sandbox/stdin-stream.js";
import type { BootedConnections, ControlRecord } from "./booted-runner.js";
import { isContainerGone, isUnreachable } from "./errors.js";
import { type ProcessContext, runKiller } from "./exec-process.js";

const KILL_ATTEMPTS = 3;
/** A timer that does not keep the process alive: it only bounds waits. */
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Resolves once the socket is closed: read to its end (the peer closed it), or broken. */
function closed(socket: NodeReadable): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once("close", () => resolve());
  });
}

export function bootedProcess(
  context: ProcessContext,
  id: string,
  booted: BootedConnections,
  signal: AbortSignal,
  /** Told the changed-file rows scanned at the runner's exit (unchecked), or undefined: none. */
  onScan?: (rows: unknown) => void,
): SandboxProcess {
  const { input, output, errors, control } = booted;
  let exit: { code: number | null; signal: string | null } | undefined;
  let controlClosed: () => void = () => {};
  const controlEnd = new Promise<void>((resolve) => {
    controlClosed = resolve;
  });
  booted.onRecord((record: ControlRecord | null) => {
    if (record && "exit" in record) exit ??= record.exit;
    // After the exit only the scan may come; the line then closes.
    if (record && "scan" in record && exit) onScan?.(record.scan);
    if (!record) onScan?.(undefined);
    if (!record || exit) controlClosed();
  });
  // Ended: its output closed (the runner and every heir holding it are gone) and its end known.
  const ended = Promise.all([closed(output), closed(errors), controlEnd]).then(() => undefined);
  let exited = false;
  let killRequested = false;
  let killing: Promise<void> | undefined;

  const status = (): ExitStatus => {
    if (!exit) return { exitCode: null, signal: "SIGKILL" };
    if (exit.signal) return { exitCode: null, signal: killRequested ? "SIGKILL" : exit.signal };
    if (killRequested && exit.code === null) return { exitCode: null, signal: "SIGKILL" };
    return { exitCode: exit.code };
  };

  const kill = async (): Promise<void> => {
    if (exited) return;
    killRequested = true;
    for (let attempt = 0; attempt < KILL_ATTEMPTS && !exited; attempt++) {
      try {
        if (attempt === 0 && !control.destroyed) control.write("kill\n");
        else await runKiller(context, id);
      } catch (error) {
        if (isContainerGone(error) || isUnreachable(error)) break;
      }
      await Promise.race([ended, delay(1_000)]);
    }
    await Promise.race([ended, delay(5_000)]);
    // Whatever still holds the output open cannot be reached: stop waiting for it.
    for (const socket of [input, output, errors, control]) socket.destroy();
    await ended;
  };

  const onAbort = () => void process.kill();
  const result = ended
    .then(() => {
      exited = true;
      signal.removeEventListener("abort", onAbort);
      // Output read to its end closes by itself (a destroy here would cut short its readers);
      // the control line closes once the scan came.
      input.destroy();
      return status();
    })
    .finally(() => context.onExit());
  result.catch(() => {});

  let first = context.onFirstOutput;
  const firstOutput = () => {
    first?.();
    first = undefined;
  };
  output.once("data", firstOutput);
  errors.once("data", firstOutput);
  const process: SandboxProcess = {
    stdout: Readable.toWeb(output) as unknown as ReadableStream<Uint8Array>,
    stderr: Readable.toWeb(errors) as unknown as ReadableStream<Uint8Array>,
    stdin: stdinStream(writablePipe(input), ended),
    wait: () => result,
    kill: () => {
      killing ??= kill();
      return killing;
    },
  };
  context.onStart();
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();
  return process;
}

/** The idle runner exactly as the container boots it: no env, its stdin open, in the workspace. */
export function isBootedRunnerSpawn(sandbox: Sandbox, options: SpawnOptions): boolean {
  const [file, script, flag, ...rest] = options.command;
  return (
    file === sandbox.nodePath &&
    script !== undefined &&
    script === sandbox.installedRunner?.path &&
    flag === AWAIT_CONFIG_FLAG &&
    rest.length === 0 &&
    Object.keys(options.env).length === 0 &&
    options.stdin === true &&
    (options.cwd === undefined || options.cwd === sandbox.workspacePath)
  );
}
