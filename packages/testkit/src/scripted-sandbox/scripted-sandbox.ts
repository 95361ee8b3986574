// A SandboxProvider whose sandboxes run no process: spawn() replays scripted runner stdout lines
// with their delays (scripted-process.ts), so a load test measures the server, not the sandbox layer.
import type {
  ChangedFiles,
  CreateSandboxOptions,
  Sandbox,
  SandboxProcess,
  SandboxProvider,
  SandboxProviderName,
  SandboxState,
  SpawnOptions,
  StagedFile,
} from "@sandcaster/protocol";
import { delay, type ScriptedLines, ScriptedProcess } from "./scripted-process.js";

export type { ScriptedLine, ScriptedLines } from "./scripted-process.js";

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

const WORKSPACE = "/workspace";
const RUNNER_DIR = "/opt/sandcaster-runner";

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
