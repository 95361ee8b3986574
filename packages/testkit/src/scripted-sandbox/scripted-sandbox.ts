// A SandboxProvider whose sandboxes run no process: spawn() replays scripted runner stdout lines
// with their delays, so a load test measures the server, not the sandbox layer.
import type {
  ChangedFiles,
  CreateSandboxOptions,
  ExitStatus,
  Sandbox,
  SandboxProcess,
  SandboxProvider,
  SandboxProviderName,
  SandboxState,
  SpawnOptions,
  StagedFile,
} from "@sandcaster/protocol";

/** One stdout line of the runner (without its newline), printed `delayMs` after the previous one. */
export interface ScriptedLine {
  delayMs: number;
  line: string;
}

/** Arrays, generators (large floods need not be materialised) or async iterables. */
export type ScriptedLines = Iterable<ScriptedLine> | AsyncIterable<ScriptedLine>;

export interface ScriptedSpawnContext {
  runId: string;
  command: readonly string[];
  /** The process environment (where the server puts model keys). */
  env: Readonly<Record<string, string>>;
  /** The runner config staged by writeFiles (the file after `--config`), parsed; else undefined. */
  runnerConfig: Record<string, unknown> | undefined;
}

export interface ScriptedSandboxOptions {
  /** The provider name it reports (and is selected by). Default "local". */
  name?: SandboxProviderName;
  /** The runner's stdout for each spawn, e.g. `typicalRunLines()`. */
  lines: (runId: string, context: ScriptedSpawnContext) => ScriptedLines;
  /** How long create() takes (abortable). Default 0. */
  createDelayMs?: number;
  /** How long destroy() takes. Default 0. */
  destroyDelayMs?: number;
  /** Exit code after the last line. Default 0. */
  exitCode?: number;
  /** Notices every sandbox reports (relayed by the server as warnings). Default none. */
  notices?: readonly string[];
}

export interface ScriptedSandboxStats {
  created: number;
  destroyed: number;
  /** Sandboxes created and not destroyed yet. */
  alive: number;
  spawned: number;
  /** Processes neither finished nor killed yet. */
  running: number;
  killed: number;
}

export interface ScriptedSandboxProvider extends SandboxProvider {
  /** Sandboxes created and not destroyed: 0 once every run is over, or something leaked. */
  alive(): number;
  /** Scripted processes still producing output. */
  running(): number;
  stats(): ScriptedSandboxStats;
}

/**
 * Consecutive lines without delay (from a synchronous script) are written together, up to this
 * many characters, as a pipe would deliver them.
 */
const CHUNK_CHARS = 64 * 1024;
const WORKSPACE = "/workspace";
const RUNNER_DIR = "/opt/sandcaster-runner";
const encoder = new TextEncoder();

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(abortError(signal)) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      if (signal) reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface LineSource {
  next: () => Promise<IteratorResult<ScriptedLine>>;
  stop: () => void;
  /** Lines of an async source may take any time to come: what is written is not held back. */
  async: boolean;
}

function iterate(lines: ScriptedLines): LineSource {
  if (Symbol.asyncIterator in lines) {
    const iterator = lines[Symbol.asyncIterator]();
    return {
      next: () => iterator.next(),
      stop: () => void iterator.return?.()?.catch(() => {}),
      async: true,
    };
  }
  const iterator = lines[Symbol.iterator]();
  return {
    async: false,
    next: () => Promise.resolve(iterator.next()),
    stop: () => {
      try {
        iterator.return?.();
      } catch {
        // a generator that throws while closing: nothing to clean up here
      }
    },
  };
}

class ScriptedProcess implements SandboxProcess {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  private stdoutController: ReadableStreamDefaultController<Uint8Array> | undefined;
  private stderrController: ReadableStreamDefaultController<Uint8Array> | undefined;
  private status: ExitStatus | undefined;
  private resolveExit: ((status: ExitStatus) => void) | undefined;
  private readonly exited: Promise<ExitStatus>;
  private readonly source: LineSource;
  private pending: ScriptedLine | undefined;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(
    lines: () => ScriptedLines,
    private readonly exitCode: number,
    private readonly onExit: (status: ExitStatus) => void,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
    let source: LineSource;
    let failure: unknown;
    try {
      source = iterate(lines());
    } catch (error) {
      failure = error;
      source = {
        next: () => Promise.resolve({ done: true, value: undefined }),
        stop: () => {},
        async: false,
      };
    }
    this.source = source;
    this.stderr = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.stderrController = controller;
      },
    });
    this.stdout = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.stdoutController = controller;
        },
        pull: (controller) => this.pull(controller),
        // The reader went away: a real process would die of SIGPIPE on its next write.
        cancel: () => this.finish({ exitCode: null, signal: "SIGPIPE" }),
      },
      // A pipe: the script stops producing while this much is unread.
      new ByteLengthQueuingStrategy({ highWaterMark: CHUNK_CHARS }),
    );
    // After spawn() has registered it, like a runner that dies right after starting.
    if (failure !== undefined) queueMicrotask(() => this.crash(failure));
  }

  wait(): Promise<ExitStatus> {
    return this.exited;
  }

  async kill(): Promise<void> {
    this.finish({ exitCode: null, signal: "SIGKILL" });
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let chunk = "";
    for (;;) {
      if (chunk && this.source.async && !this.pending) break;
      let next = this.pending;
      this.pending = undefined;
      if (!next) {
        let step: IteratorResult<ScriptedLine>;
        try {
          step = await this.source.next();
        } catch (error) {
          if (chunk && !this.status) controller.enqueue(encoder.encode(chunk));
          this.crash(error);
          return;
        }
        if (this.status) return;
        if (step.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          this.finish({ exitCode: this.exitCode });
          return;
        }
        next = step.value;
      }
      if (next.delayMs > 0) {
        if (chunk) {
          this.pending = next;
          break;
        }
        if (!(await this.sleep(next.delayMs))) return;
      }
      chunk += `${next.line}\n`;
      if (chunk.length >= CHUNK_CHARS) break;
    }
    controller.enqueue(encoder.encode(chunk));
  }

  /** False when the process was killed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve(!this.status);
      }, ms);
      this.sleeping = { timer, wake: () => resolve(false) };
    });
  }

  /** The script threw: its message on stderr, exit code 1, as a crashing runner would. */
  private crash(error: unknown): void {
    if (this.status) return;
    const message = error instanceof Error ? error.message : String(error);
    try {
      this.stderrController?.enqueue(encoder.encode(`scripted sandbox: ${message}\n`));
    } catch {
      // stderr already cancelled by its reader
    }
    this.finish({ exitCode: 1 });
  }

  private finish(status: ExitStatus): void {
    if (this.status) return;
    this.status = status;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
      this.sleeping = undefined;
    }
    this.source.stop();
    for (const controller of [this.stdoutController, this.stderrController]) {
      try {
        controller?.close();
      } catch {
        // already closed, or cancelled by its reader
      }
    }
    this.onExit(status);
    this.resolveExit?.(status);
  }
}

class ScriptedSandbox implements Sandbox {
  state: SandboxState = "ready";
  readonly workspacePath = WORKSPACE;
  readonly runnerDir = RUNNER_DIR;
  readonly nodePath = "/usr/local/bin/node";
  readonly notices: readonly string[];
  private readonly processes = new Set<ScriptedProcess>();
  /** References only (the runner bundle is one shared buffer): read back for the runner config. */
  private readonly staged = new Map<string, Uint8Array>();
  private destroying: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly provider: SandboxProviderName,
    private readonly runId: string,
    private readonly options: ScriptedSandboxOptions,
    private readonly counters: { spawned: number; running: number; killed: number },
    private readonly onDestroyed: () => void,
  ) {
    this.notices = options.notices ?? [];
  }

  async writeFiles(files: readonly StagedFile[], signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.assertUsable();
    for (const file of files) this.staged.set(file.path, file.content);
  }

  async spawn(options: SpawnOptions): Promise<SandboxProcess> {
    options.signal.throwIfAborted();
    this.assertUsable();
    const configIndex = options.command.indexOf("--config");
    const configPath = configIndex >= 0 ? options.command[configIndex + 1] : undefined;
    const context: ScriptedSpawnContext = {
      runId: this.runId,
      command: [...options.command],
      env: { ...options.env },
      runnerConfig: configPath ? parseConfig(this.staged.get(configPath)) : undefined,
    };
    const signal = options.signal;
    const onAbort = () => void child.kill();
    const child: ScriptedProcess = new ScriptedProcess(
      () => this.options.lines(this.runId, context),
      this.options.exitCode ?? 0,
      (status) => {
        signal.removeEventListener("abort", onAbort);
        this.processes.delete(child);
        this.counters.running--;
        if (status.signal === "SIGKILL") this.counters.killed++;
        if (this.processes.size === 0 && this.state === "running") this.state = "ready";
      },
    );
    this.counters.spawned++;
    this.counters.running++;
    this.processes.add(child);
    this.state = "running";
    signal.addEventListener("abort", onAbort, { once: true });
    return child;
  }

  async readChangedFiles(): Promise<ChangedFiles> {
    return { files: [], skipped: [] };
  }

  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      this.state = "stopped";
      this.staged.clear();
      await Promise.all([...this.processes].map((child) => child.kill()));
      if (this.options.destroyDelayMs) await delay(this.options.destroyDelayMs);
      this.onDestroyed();
    })();
    return this.destroying;
  }

  private assertUsable(): void {
    if (this.state === "stopped" || this.state === "failed") {
      throw new Error(`scripted sandbox ${this.id} is ${this.state}`);
    }
  }
}

function parseConfig(content: Uint8Array | undefined): Record<string, unknown> | undefined {
  if (!content) return undefined;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(content));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function createScriptedSandboxProvider(
  options: ScriptedSandboxOptions,
): ScriptedSandboxProvider {
  const name = options.name ?? "local";
  const counters = { created: 0, destroyed: 0, spawned: 0, running: 0, killed: 0 };
  let nextId = 0;

  return {
    name,
    isAvailable: async () => true,
    async create(create: CreateSandboxOptions): Promise<Sandbox> {
      await delay(options.createDelayMs ?? 0, create.signal);
      create.signal.throwIfAborted();
      counters.created++;
      return new ScriptedSandbox(
        `scripted-${name}-${++nextId}`,
        name,
        create.runId,
        options,
        counters,
        () => {
          counters.destroyed++;
        },
      );
    },
    alive: () => counters.created - counters.destroyed,
    running: () => counters.running,
    stats: () => ({
      created: counters.created,
      destroyed: counters.destroyed,
      alive: counters.created - counters.destroyed,
      spawned: counters.spawned,
      running: counters.running,
      killed: counters.killed,
    }),
  };
}
