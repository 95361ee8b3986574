// A spawned E2B command: live web streams fed from onStdout/onStderr, exit status, tree kill.
import { randomBytes } from "node:crypto";
import { constants } from "node:os";
import type { CommandHandle, Sandbox as SdkSandbox } from "e2b";
import type { ExitStatus, SandboxProcess, SpawnOptions } from "../../sandbox/sandbox.js";
import { stdinStream } from "../../sandbox/stdin-stream.js";
import { HELPER_TIMEOUT_MS, HOME_DIR, PROCESS_MARK_ENV, REQUEST_TIMEOUT_MS } from "./constants.js";
import { commandStdin } from "./e2b-stdin.js";
import { abortReason, isLost, isSandboxGone, lostError, toSandboxError } from "./errors.js";
import { isSdkError } from "./sdk.js";
import { checkEnv, execLine, killerScript } from "./shell.js";

export interface ProcessContext {
  sdk: SdkSandbox;
  cwd: string;
  /** The sandbox's non-secret environment, when E2B could not set it (a resumed sandbox). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Bound on the whole command (the SDK's default of 60 s would end long runs). */
  commandTimeoutMs: number;
  /** Whether the sandbox is gone (asked when the command's stream breaks). */
  isGone(): Promise<boolean>;
  onLost(): void;
  onExit(process: E2BProcess): void;
}

/** Go's os.ProcessState strings ("signal: killed") → signal names. */
const GO_SIGNALS: Record<string, string> = {
  hangup: "SIGHUP",
  interrupt: "SIGINT",
  quit: "SIGQUIT",
  aborted: "SIGABRT",
  killed: "SIGKILL",
  "segmentation fault": "SIGSEGV",
  "broken pipe": "SIGPIPE",
  terminated: "SIGTERM",
  "user defined signal 1": "SIGUSR1",
  "user defined signal 2": "SIGUSR2",
};
const signalName = (number: number) =>
  Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** A web stream whose chunks are pushed as strings arrive; pushes after close are dropped. */
function liveStream() {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let open = true;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: () => {
      open = false;
    },
  });
  return {
    stream,
    push(text: string) {
      if (open && text) controller?.enqueue(encoder.encode(text));
    },
    close() {
      if (open) controller?.close();
      open = false;
    },
  };
}

export async function spawnProcess(ctx: ProcessContext, options: SpawnOptions) {
  if (options.signal.aborted) throw abortReason(options.signal);
  const line = execLine(options.command);
  // Prefixed with the sandbox id: a resumed session sandbox finds strays of earlier turns by it.
  const id = `${ctx.sdk.sandboxId}.${randomBytes(8).toString("hex")}`;
  const envs = { ...ctx.env, ...checkEnv(options.env), [PROCESS_MARK_ENV]: id };
  const stdout = liveStream();
  const stderr = liveStream();
  let handle: CommandHandle;
  try {
    handle = await ctx.sdk.commands.run(line, {
      background: true,
      envs,
      cwd: options.cwd ?? ctx.cwd,
      onStdout: (data) => stdout.push(data),
      onStderr: (data) => stderr.push(data),
      // Only when asked: the SDK refuses an explicit `stdin: false` on old envd versions.
      ...(options.stdin ? { stdin: true } : {}),
      timeoutMs: ctx.commandTimeoutMs,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
  } catch (error) {
    const converted = toSandboxError(error, "SANDBOX_EXEC_FAILED", "start a process");
    if (isLost(converted) || (converted.code === "SANDBOX_EXEC_FAILED" && (await ctx.isGone()))) {
      ctx.onLost();
      throw isLost(converted) ? converted : lostError("start a process", error);
    }
    throw converted;
  }
  return new E2BProcess(
    ctx,
    id,
    handle,
    { stdout, stderr, stdin: options.stdin === true },
    options.signal,
  );
}

export class E2BProcess implements SandboxProcess {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly stdin?: WritableStream<Uint8Array>;
  readonly #ctx: ProcessContext;
  readonly #id: string;
  readonly #handle: CommandHandle;
  readonly #result: Promise<ExitStatus>;
  readonly #settled: Promise<unknown>;
  #exited = false;
  #killRequested = false;
  #killing: Promise<void> | undefined;
  /** Ends wait() when the SDK never reports the end (the last resort of kill()). */
  #giveUp: (status: ExitStatus) => void = () => {};

  constructor(
    ctx: ProcessContext,
    id: string,
    handle: CommandHandle,
    streams: {
      stdout: ReturnType<typeof liveStream>;
      stderr: ReturnType<typeof liveStream>;
      stdin: boolean;
    },
    signal: AbortSignal,
  ) {
    this.#ctx = ctx;
    this.#id = id;
    this.#handle = handle;
    this.stdout = streams.stdout.stream;
    this.stderr = streams.stderr.stream;
    const onAbort = () => void this.kill();
    signal.addEventListener("abort", onAbort, { once: true });
    const outcome = handle.wait().then(
      (result) => this.#status(result.exitCode, result.error),
      (error: unknown) => this.#failure(error),
    );
    const givenUp = new Promise<ExitStatus>((resolve) => {
      this.#giveUp = resolve;
    });
    const ended = new AbortController();
    this.#result = Promise.race([outcome, givenUp]).finally(() => {
      this.#exited = true;
      ended.abort();
      signal.removeEventListener("abort", onAbort);
      streams.stdout.close();
      streams.stderr.close();
      ctx.onExit(this);
    });
    this.#settled = this.#result.catch(() => {});
    if (streams.stdin) {
      const pipe = commandStdin(handle, {
        isGone: () => ctx.isGone(),
        onLost: () => ctx.onLost(),
        ended: ended.signal,
      });
      this.stdin = stdinStream(pipe, this.#settled);
    }
    if (signal.aborted) onAbort();
  }

  /** Whether the command has ended (wait() has settled or is about to). */
  get exited(): boolean {
    return this.#exited;
  }

  wait(): Promise<ExitStatus> {
    return this.#result;
  }

  kill(): Promise<void> {
    this.#killing ??= this.#kill();
    return this.#killing;
  }

  #status(exitCode: number, error: string | undefined): ExitStatus {
    const named = /^signal: ([a-z0-9 /]+)/i.exec(error ?? "")?.[1]?.toLowerCase();
    if (named) return { exitCode: null, signal: GO_SIGNALS[named] ?? named };
    if (exitCode < 0)
      return { exitCode: null, signal: this.#killRequested ? "SIGKILL" : undefined };
    if (this.#killRequested && exitCode > 128) {
      return { exitCode: null, signal: signalName(exitCode - 128) ?? "SIGKILL" };
    }
    return { exitCode };
  }

  async #failure(error: unknown): Promise<ExitStatus> {
    if (isSdkError(error, "CommandExitError")) return this.#status(error.exitCode, error.error);
    // We ended it (kill() disconnects a command that would not die): it was killed.
    if (this.#killRequested) return { exitCode: null, signal: "SIGKILL" };
    if (isSandboxGone(error) || (await this.#ctx.isGone())) {
      this.#ctx.onLost();
      throw lostError("while a process was running", error);
    }
    throw toSandboxError(error, "SANDBOX_EXEC_FAILED", "follow a process's output");
  }

  async #kill(): Promise<void> {
    if (this.#exited) return;
    this.#killRequested = true;
    const { sdk } = this.#ctx;
    const options = { requestTimeoutMs: REQUEST_TIMEOUT_MS };
    // The command itself first (E2B SIGKILLs its pid), then everything carrying its mark.
    await Promise.allSettled([
      this.#handle.kill(),
      sdk.commands.run(killerScript(this.#id), {
        ...options,
        timeoutMs: HELPER_TIMEOUT_MS,
        cwd: HOME_DIR,
      }),
    ]);
    await Promise.race([this.#settled, delay(5_000)]);
    // Still attached (the sandbox stopped answering): stop following it, which ends the streams.
    if (!this.#exited) await this.#handle.disconnect();
    await Promise.race([this.#settled, delay(1_000)]);
    this.#giveUp({ exitCode: null, signal: "SIGKILL" });
    await this.#settled;
  }
}
