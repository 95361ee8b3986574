// Docker exec plumbing: start a command with live demultiplexed output, collect output, exit codes.
import { PassThrough, Readable } from "node:stream";
import type Dockerode from "dockerode";
import { type StdinPipe, writablePipe } from "../../sandbox/stdin-stream.js";

export interface ExecRequest {
  cmd: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** Attach the process's stdin (otherwise it reads /dev/null). */
  stdin?: boolean;
  /** Called once, with the process's first byte of output (stdout or stderr). */
  onFirstOutput?: () => void;
}

export interface ExecStreams {
  exec: Dockerode.Exec;
  stdout: PassThrough;
  stderr: PassThrough;
  /**
   * With `stdin: true`: raw bytes to the process's stdin over the hijacked connection; end()
   * half-closes it (the daemon then closes the process's stdin) while output keeps coming.
   */
  stdin: StdinPipe | undefined;
  /** Resolves when the exec's output stream has ended (the process and its heirs closed it). */
  ended: Promise<void>;
  /** Drops the connection (the process keeps running); `ended` then resolves. */
  close(): void;
}

export interface ExecResult {
  exitCode: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

function envList(env: Record<string, string> | undefined): string[] | undefined {
  if (!env) return undefined;
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** A write target for demuxStream that drops data once the consumer went away. */
function sink(target: PassThrough, onWrite?: () => void): NodeJS.WritableStream {
  return {
    write(chunk: Buffer) {
      onWrite?.();
      if (!target.destroyed && !target.writableEnded) target.write(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}

function once(call: (() => void) | undefined): (() => void) | undefined {
  if (!call) return undefined;
  let called = false;
  return () => {
    if (called) return;
    called = true;
    call();
  };
}

/** Creates and starts an exec; bytes reach `stdout`/`stderr` as the process writes them. */
export async function startExec(
  docker: Dockerode,
  container: Dockerode.Container,
  request: ExecRequest,
): Promise<ExecStreams> {
  const exec = await container.exec({
    Cmd: request.cmd,
    Env: envList(request.env),
    WorkingDir: request.workingDir,
    AttachStdin: request.stdin === true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const socket = await exec.start({
    hijack: true,
    stdin: request.stdin === true,
    Detach: false,
    Tty: false,
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const firstOutput = once(request.onFirstOutput);
  docker.modem.demuxStream(socket, sink(stdout, firstOutput), sink(stderr, firstOutput));
  const ended = new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      stdout.end();
      stderr.end();
      resolve();
    };
    socket.on("end", finish);
    socket.on("close", finish);
    // A broken connection ends the output; the exit status then tells what happened.
    socket.on("error", finish);
  });
  const stdin = request.stdin ? writablePipe(socket) : undefined;
  return { exec, stdout, stderr, stdin, ended, close: () => socket.destroy() };
}

/** Exposes a node stream as a web stream (chunks flow as they arrive). */
export function toWebStream(stream: PassThrough): ReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The exit code of a finished exec. Docker may report Running for a moment after the output
 * stream closed, so poll briefly. Null when the daemon never reports an exit code.
 */
export async function execExitCode(
  exec: Dockerode.Exec,
  timeoutMs = 5_000,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running) return typeof info.ExitCode === "number" ? info.ExitCode : null;
    if (Date.now() > deadline) return null;
    await delay(20);
  }
}

function collect(stream: PassThrough, maxBytes: number, onOverflow: () => void): () => Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) onOverflow();
    else chunks.push(chunk);
  });
  return () => Buffer.concat(chunks);
}

/** Runs a helper command to completion and returns its output (capped at `maxOutputBytes`). */
export async function runExec(
  docker: Dockerode,
  container: Dockerode.Container,
  request: ExecRequest,
  options: { signal?: AbortSignal; maxOutputBytes?: number } = {},
): Promise<ExecResult> {
  const max = options.maxOutputBytes ?? 16 * 1024 * 1024;
  options.signal?.throwIfAborted();
  const streams = await startExec(docker, container, request);
  let failure: Error | undefined;
  const stop = (error: Error) => {
    failure ??= error;
    streams.close();
  };
  const stdout = collect(streams.stdout, max, () => stop(new Error("exec output too large")));
  const stderr = collect(streams.stderr, max, () => stop(new Error("exec output too large")));
  const onAbort = () => stop(options.signal?.reason ?? new Error("aborted"));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await streams.ended;
    if (failure) throw failure;
    const exitCode = await execExitCode(streams.exec);
    return { exitCode, stdout: stdout(), stderr: stderr() };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
