// Spawns a child in its own process group and kills the whole tree (group + descendants), idempotently.
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { isLiveState, listDescendants, type ProcStat, readProcStat } from "../../host/proc.js";
import type { ExitStatus } from "../../sandbox/sandbox.js";
import { stdinStream, writablePipe } from "../../sandbox/stdin-stream.js";

export interface GroupProcess {
  readonly pid: number;
  /** Live output, straight from the pipes. */
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** The child's stdin, when spawned with `stdin: true`. */
  readonly stdin: WritableStream<Uint8Array> | undefined;
  /** Resolves after the child exited and both pipes closed. */
  wait(): Promise<ExitStatus>;
  /** SIGKILLs the group and every descendant; resolves once they are dead. Idempotent. */
  kill(): Promise<void>;
  /** Whether the child has exited (its pipes may still be open). */
  readonly exited: boolean;
}

export interface SpawnGroupOptions {
  cwd: string;
  /** The complete environment of the child (nothing of ours is inherited). */
  env: Record<string, string>;
  /** A pipe to the child's stdin; otherwise its stdin is /dev/null (EOF at once). */
  stdin?: boolean | undefined;
  /** Bytes the child reads from fd 3 (a pipe closed after them), e.g. bwrap's `--args 3`. */
  extraFd?: Uint8Array | undefined;
}

/** How long kill() waits for descendants to disappear before giving up. */
const DESCENDANT_WAIT_MS = 5_000;

/** Sends SIGKILL to a process group; false when it no longer exists. */
function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

async function waitGone(processes: readonly ProcStat[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...processes];
  while (pending.length > 0 && Date.now() < deadline) {
    const states = await Promise.all(pending.map((p) => readProcStat(p.pid)));
    pending = pending.filter((p, i) => {
      const now = states[i] ?? null;
      return isLiveState(now) && now.startTime === p.startTime;
    });
    if (pending.length > 0) await sleep(20);
  }
}

/**
 * Spawns `command args` detached (own process group) with piped stdout/stderr, and stdin piped
 * only when asked for.
 * Rejects when the executable cannot be started.
 */
export async function spawnProcessGroup(
  command: string,
  args: readonly string[],
  options: SpawnGroupOptions,
): Promise<GroupProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: [
      options.stdin ? "pipe" : "ignore",
      "pipe",
      "pipe",
      ...(options.extraFd ? (["pipe"] as const) : []),
    ],
  });
  const extra = options.extraFd ? child.stdio[3] : undefined;
  if (extra && "end" in extra) {
    // A child that dies before reading it makes the write fail: its exit says more than EPIPE.
    extra.on("error", () => undefined);
    extra.end(options.extraFd);
  }
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      // Stragglers of the group (e.g. background children holding the pipes) go with the leader.
      if (child.pid !== undefined) killGroup(child.pid);
      resolve();
    });
  });
  const closed = new Promise<ExitStatus>((resolve) => {
    child.once("close", (code, signal) => resolve({ exitCode: code, signal: signal ?? undefined }));
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  child.on("error", () => {
    // After a successful spawn, errors (e.g. a failed kill) are not fatal; exit/close still come.
  });
  const pid = child.pid;
  if (pid === undefined || !child.stdout || !child.stderr) {
    throw new Error(`spawn ${command}: no pid or pipes`);
  }
  const stdout = Readable.toWeb(child.stdout) as unknown as ReadableStream<Uint8Array>;
  const stderr = Readable.toWeb(child.stderr) as unknown as ReadableStream<Uint8Array>;
  const stdin = child.stdin ? stdinStream(writablePipe(child.stdin), exit) : undefined;

  let killing: Promise<void> | undefined;
  async function doKill(): Promise<void> {
    if (exited) return;
    // Scan first: bwrap's inner processes live in their own session (--new-session), outside the
    // group; once the leader dies they are reparented and can no longer be found by parent.
    const descendants = await listDescendants(pid as number);
    if (!exited) killGroup(pid as number);
    for (const d of descendants) {
      try {
        process.kill(d.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await exit;
    await waitGone(descendants, DESCENDANT_WAIT_MS);
  }

  return {
    pid,
    stdout,
    stderr,
    stdin,
    wait: () => closed,
    kill() {
      killing ??= doKill();
      return killing;
    },
    get exited() {
      return exited;
    },
  };
}
