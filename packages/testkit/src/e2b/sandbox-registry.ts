// The double's sandboxes: a temp root each, sandbox-to-host path mapping, timeouts, pause/resume, and dying as E2B's do.
import { randomBytes, randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import type { ConnectStream } from "./connect-envelope.js";
import { killGroup, type RunningProcess } from "./process-runner.js";

/** What the double's envd claims to be: new enough for batch multipart and octet-stream uploads. */
export const ENVD_VERSION = "0.5.7";
/** The sandbox user when a request names none (envd >= 0.4.0 leaves this to the server). */
export const DEFAULT_USER = "user";
/** The API's default sandbox lifetime when create sends no `timeout` (seconds). */
export const DEFAULT_TIMEOUT_SECS = 15;
/** The lifetime a resumed sandbox gets when connect sends no `timeout` (seconds). */
export const DEFAULT_CONNECT_TIMEOUT_SECS = 300;

export interface SandboxRecord {
  sandboxId: string;
  templateId: string;
  metadata: Record<string, string>;
  envs: Record<string, string>;
  /** Host directory standing in for the sandbox's `/`. */
  root: string;
  startedAt: Date;
  endAt: Date;
  /** Paused: files kept, envd unreachable, no timeout running; connect resumes it. */
  state: "running" | "paused";
  /** What its timeout does: kill it (E2B's default) or pause it (`lifecycle.onTimeout: "pause"`). */
  onTimeout: "kill" | "pause";
  /** As created or last set through PUT /sandboxes/{id}/network (bookkeeping only: not enforced). */
  allowInternetAccess: boolean;
  /** The `network` of the create request, or the egress rules of the last PUT …/network: recorded, not enforced. */
  network: Record<string, unknown> | undefined;
  /** False once killed, timed out or lost. */
  alive: boolean;
  /** Sent back as envdAccessToken; envd calls must carry it in X-Access-Token (undefined: open). */
  accessToken: string | undefined;
  /** Creation order, the list cursor. */
  seq: number;
  processes: Map<number, RunningProcess>;
  /** Every process group ever started here, killed with the sandbox. */
  groups: Set<number>;
  /** Open envd streams, cut (not ended) when the sandbox dies. */
  streams: Set<ConnectStream>;
  timer?: NodeJS.Timeout;
}

export interface CreateInput {
  templateId: string;
  metadata: Record<string, string>;
  envs: Record<string, string>;
  timeoutSecs: number;
  secure: boolean;
  onTimeout: "kill" | "pause";
  allowInternetAccess: boolean;
  network?: Record<string, unknown> | undefined;
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let id = "";
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

export function homeOf(user: string): string {
  return user === "root" ? "/root" : `/home/${user}`;
}

/** The users the double's sandboxes have (envd answers 401 for any other). */
export function isKnownUser(user: string): boolean {
  return user === "root" || user === DEFAULT_USER;
}

/** A sandbox path (absolute, or relative to the user's home), normalised, and where it lives on the host. */
export function resolvePath(
  sandbox: SandboxRecord,
  path: string,
  user: string,
): { sandboxPath: string; hostPath: string } {
  const sandboxPath = posix.resolve(homeOf(user), path);
  return { sandboxPath, hostPath: join(sandbox.root, sandboxPath) };
}

export class SandboxRegistry {
  private readonly live = new Map<string, SandboxRecord>();
  private readonly roots: string[] = [];
  /** Creates still making their directories: close() waits for them, so none outlives it. */
  private readonly creating = new Set<Promise<unknown>>();
  private closed = false;
  private seq = 0;
  /** The files and environment a template id starts with (templates built by the double). */
  seedFrom?: (templateId: string) => { root: string; envs: Record<string, string> } | undefined;

  async create(input: CreateInput): Promise<SandboxRecord> {
    if (this.closed) throw new Error("the E2B double is closed");
    const made = this.#create(input);
    this.creating.add(made);
    try {
      return await made;
    } finally {
      this.creating.delete(made);
    }
  }

  async #create(input: CreateInput): Promise<SandboxRecord> {
    const sandboxId = `i${randomId(19)}`;
    const root = await mkdtemp(join(tmpdir(), `e2b-double-${sandboxId}-`));
    this.roots.push(root);
    const seed = this.seedFrom?.(input.templateId);
    if (seed) await cp(seed.root, root, { recursive: true, verbatimSymlinks: true });
    for (const dir of ["home/user", "root", "tmp"]) {
      await mkdir(join(root, dir), { recursive: true });
    }
    const now = new Date();
    const sandbox: SandboxRecord = {
      sandboxId,
      templateId: input.templateId,
      metadata: { ...input.metadata },
      envs: { ...seed?.envs, ...input.envs },
      root,
      startedAt: now,
      endAt: now,
      state: "running",
      onTimeout: input.onTimeout,
      allowInternetAccess: input.allowInternetAccess,
      network: input.network,
      alive: true,
      accessToken: input.secure ? `ea_${randomUUID().replace(/-/g, "")}` : undefined,
      seq: ++this.seq,
      processes: new Map(),
      groups: new Set(),
      streams: new Set(),
    };
    this.live.set(sandboxId, sandbox);
    this.created.push({ sandboxId, network: input.network });
    this.setTimeout(sandbox, input.timeoutSecs);
    return sandbox;
  }

  /** Every create, in order, dead or alive: what the SDK asked for (tests check network options). */
  readonly created: { sandboxId: string; network: Record<string, unknown> | undefined }[] = [];

  get(sandboxId: string): SandboxRecord | undefined {
    return this.live.get(sandboxId);
  }

  all(): SandboxRecord[] {
    return [...this.live.values()];
  }

  /**
   * Sets the sandbox to end `secs` from now (E2B's timeout semantics: from now, not from start):
   * killed, or paused when it was created with `onTimeout: "pause"`.
   */
  setTimeout(sandbox: SandboxRecord, secs: number): void {
    clearTimeout(sandbox.timer);
    sandbox.endAt = new Date(Date.now() + secs * 1000);
    sandbox.timer = setTimeout(() => {
      if (sandbox.onTimeout === "pause") this.pause(sandbox, true);
      else this.kill(sandbox.sandboxId);
    }, secs * 1000);
    sandbox.timer.unref();
  }

  /**
   * Pauses a running sandbox: its files stay, open streams drop, its timeout stops. With memory
   * kept its running processes are frozen (SIGSTOP to the groups envd started, never to a
   * group id that may have been reused) and go on after resume; without, they die as in a reboot.
   */
  pause(sandbox: SandboxRecord, keepMemory: boolean): void {
    if (!sandbox.alive || sandbox.state === "paused") return;
    sandbox.state = "paused";
    clearTimeout(sandbox.timer);
    for (const stream of sandbox.streams) stream.cut();
    sandbox.streams.clear();
    if (!keepMemory) for (const pgid of sandbox.groups) killGroup(pgid, "SIGKILL");
    for (const proc of sandbox.processes.values()) proc.signal(keepMemory ? "SIGSTOP" : "SIGKILL");
  }

  /** Resumes a paused sandbox with a fresh timeout of `secs` (frozen processes go on). */
  resume(sandbox: SandboxRecord, secs: number): void {
    if (!sandbox.alive || sandbox.state !== "paused") return;
    sandbox.state = "running";
    for (const proc of sandbox.processes.values()) proc.signal("SIGCONT");
    this.setTimeout(sandbox, secs);
  }

  /** The sandbox vanishes: open streams drop without an end, every process group gets SIGKILL. */
  kill(sandboxId: string): boolean {
    const sandbox = this.live.get(sandboxId);
    if (!sandbox) return false;
    this.live.delete(sandboxId);
    sandbox.alive = false;
    clearTimeout(sandbox.timer);
    for (const stream of sandbox.streams) stream.cut();
    sandbox.streams.clear();
    for (const pgid of sandbox.groups) killGroup(pgid, "SIGKILL");
    for (const proc of sandbox.processes.values()) proc.signal("SIGKILL");
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    // A create that was making its directory when the double closed: its root is listed once it is.
    await Promise.allSettled([...this.creating]);
    const running = this.all().flatMap((s) => [...s.processes.values()]);
    for (const sandboxId of [...this.live.keys()]) this.kill(sandboxId);
    // Let SIGKILLed processes go before their directories do (bounded: a zombie cannot hold close()).
    await Promise.race([
      Promise.all(running.map((proc) => proc.exited)),
      new Promise((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    await Promise.all(
      this.roots.map((root) => rm(root, { recursive: true, force: true, maxRetries: 3 })),
    );
  }
}
