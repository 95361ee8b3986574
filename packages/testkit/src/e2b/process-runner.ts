// Real local processes behind envd's Process service: spawned in their own group, streamed live, killed as a tree.
import { type ChildProcess, spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { inSandboxMounts } from "./mount-namespace.js";

/** How a process was asked to run, in the sandbox's own terms (echoed by Process/List). */
export interface ProcessConfig {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
}

/** envd's EndEvent: Go's ProcessState rendered the way envd sends it. */
export interface ProcessEnd {
  exitCode: number;
  exited: boolean;
  status: string;
  error?: string;
}

export type ProcessEvent =
  | { kind: "data"; stream: "stdout" | "stderr"; data: Buffer }
  | { kind: "end"; end: ProcessEnd };

export interface SpawnOptions {
  config: ProcessConfig;
  tag?: string;
  /** Where the process really runs and what it really gets (host view). */
  hostCwd: string;
  /** With a mount namespace: the sandbox's root dir and the cwd as the sandbox sees it. */
  mounts?: { root: string; cwd: string } | undefined;
  env: Record<string, string>;
  stdin: boolean;
  /** envd kills the process when the request's Connect-Timeout-Ms passes (0/undefined: never). */
  timeoutMs?: number;
}

// Go's signal names, as they appear in ProcessState.String() ("signal: killed").
const GO_SIGNAL_NAMES: Record<string, string> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGINT: "interrupt",
  SIGHUP: "hangup",
  SIGQUIT: "quit",
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGPIPE: "broken pipe",
  SIGUSR1: "user defined signal 1",
  SIGUSR2: "user defined signal 2",
};

// After the leader exits, output still in flight gets this long before the end event goes out;
// grandchildren holding the pipes open do not keep the command "running" (as with envd).
const DRAIN_MS = 100;

export class RunningProcess {
  readonly pid: number;
  result: ProcessEnd | undefined;
  /** Settles once the end event went out. */
  readonly exited: Promise<void>;
  private markExited: () => void = () => {};
  private readonly listeners = new Set<(event: ProcessEvent) => void>();
  private timeout: NodeJS.Timeout | undefined;
  private stdinClosed = false;

  constructor(
    private readonly child: ChildProcess,
    readonly config: ProcessConfig,
    readonly tag: string | undefined,
    timeoutMs: number | undefined,
    /** Behind bwrap a death by signal arrives as exit 128+n; turn it back into the signal. */
    private readonly viaWrapper = false,
  ) {
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
    child.stdout?.on("data", (data: Buffer) => this.emit({ kind: "data", stream: "stdout", data }));
    child.stderr?.on("data", (data: Buffer) => this.emit({ kind: "data", stream: "stderr", data }));
    child.stdin?.on("error", () => {});
    child.on("error", () => {});
    let closed = false;
    child.once("close", () => {
      closed = true;
    });
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(this.timeout);
      const unwrapped =
        this.viaWrapper && code !== null && code > 128 && code <= 128 + 64
          ? ([null, signalName(code - 128)] as const)
          : ([code, signal] as const);
      const finish = () => this.finish(endOf(unwrapped[0], unwrapped[1]));
      if (closed) finish();
      else {
        const timer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        }, DRAIN_MS);
        child.once("close", () => {
          clearTimeout(timer);
          finish();
        });
      }
    };
    // A command that failed to start may have exited before this object existed.
    if (child.exitCode !== null || child.signalCode !== null) {
      onExit(child.exitCode, child.signalCode);
    } else {
      child.once("exit", onExit);
    }
    if (timeoutMs && timeoutMs > 0) {
      this.timeout = setTimeout(() => this.signal("SIGKILL"), timeoutMs);
    }
  }

  get running(): boolean {
    return this.result === undefined;
  }

  /** Listens to events from now on; returns the unsubscribe function. */
  subscribe(listener: (event: ProcessEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Signals the whole process group (the command and everything it started). */
  signal(signal: NodeJS.Signals): void {
    killGroup(this.pid, signal);
  }

  /**
   * envd's WriteStdin: refused when stdin is off or closed, else resolves once the pipe took the
   * bytes (a full pipe keeps the call waiting, as envd's blocking write does).
   */
  writeStdin(data: Buffer): Promise<void> {
    const stdin = this.child.stdin;
    if (!stdin || this.stdinClosed || stdin.destroyed) {
      return Promise.reject(new Error("stdin not enabled or closed"));
    }
    return new Promise((resolve, reject) => {
      stdin.write(data, (error) => {
        // Node completes a write cut short by the child's exit without an error; envd sees EPIPE.
        if (!error && !stdin.destroyed) return resolve();
        const reason = error?.message ?? "write: broken pipe";
        reject(new Error(`error writing to stdin of process '${this.pid}': ${reason}`));
      });
    });
  }

  /** envd's CloseStdin: EOF for the process; a no-op without stdin or when already closed. */
  closeStdin(): Promise<void> {
    const stdin = this.child.stdin;
    if (!stdin || this.stdinClosed) return Promise.resolve();
    this.stdinClosed = true;
    // Closing a pipe's write end cannot fail; a failed flush of earlier writes was reported there.
    return new Promise((resolve) => stdin.end(() => resolve()));
  }

  private emit(event: ProcessEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private finish(end: ProcessEnd): void {
    if (this.result) return;
    this.result = end;
    this.emit({ kind: "end", end });
    this.listeners.clear();
    this.markExited();
  }
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 0) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function signalName(number: number): NodeJS.Signals | null {
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === number);
  return (entry?.[0] as NodeJS.Signals | undefined) ?? null;
}

function endOf(code: number | null, signal: NodeJS.Signals | null): ProcessEnd {
  if (code !== null) {
    const status = `exit status ${code}`;
    return code === 0
      ? { exitCode: 0, exited: true, status }
      : { exitCode: code, exited: true, status, error: status };
  }
  const status = `signal: ${GO_SIGNAL_NAMES[signal ?? ""] ?? signal ?? "unknown"}`;
  return { exitCode: -1, exited: false, status, error: status };
}

/** Setting up a mount namespace can fail when a host mount (e.g. Docker's overlays) goes away
 * while bwrap copies the tree; that is the host's race, not the command's failure: try again. */
const MOUNT_SETUP_ATTEMPTS = 5;

/** Spawns detached (its own process group); rejects when the OS refuses to start it. */
export async function spawnProcess(options: SpawnOptions): Promise<RunningProcess> {
  for (let attempt = 1; ; attempt++) {
    const child = start(options);
    if (child.pid === undefined) {
      await new Promise((_, reject) => child.once("error", reject));
    }
    // Under bwrap, wait until it says the command started (its output stays buffered meanwhile).
    if (options.mounts && !(await commandStarted(child)) && attempt < MOUNT_SETUP_ATTEMPTS) {
      for (const stream of child.stdio) stream?.destroy();
      continue;
    }
    return new RunningProcess(
      child,
      options.config,
      options.tag,
      options.timeoutMs,
      options.mounts !== undefined,
    );
  }
}

function start(options: SpawnOptions): ChildProcess {
  const [cmd, args] = options.mounts
    ? inSandboxMounts(
        options.mounts.root,
        options.mounts.cwd,
        options.config.cmd,
        options.config.args,
      )
    : [options.config.cmd, options.config.args];
  return spawn(cmd, args, {
    cwd: options.hostCwd,
    env: options.env,
    detached: true,
    stdio: [
      options.stdin ? "pipe" : "ignore",
      "pipe",
      "pipe",
      ...(options.mounts ? ["pipe" as const] : []),
    ],
  });
}

/** True once bwrap reports the child's pid on fd 3; false when it exited during setup. */
function commandStarted(child: ChildProcess): Promise<boolean> {
  const status = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
  if (!status) return Promise.resolve(true);
  return new Promise((resolve) => {
    let text = "";
    const done = (started: boolean) => {
      status.removeAllListeners("data");
      child.removeListener("exit", onExit);
      resolve(started);
    };
    const onExit = () => done(text.includes("child-pid"));
    status.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (text.includes("child-pid")) done(true);
    });
    status.on("error", () => {});
    child.once("exit", onExit);
  });
}
