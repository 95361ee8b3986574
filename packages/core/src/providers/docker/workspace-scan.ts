// Lists the files a run changed (SCAN_SCRIPT run in the container). Most of a scan is Node's start
// in the container (~100 ms of a ~200 ms scan, more on a busy host), so one scanner is started
// ahead, once the run's process has printed something, and waits there for the end of its stdin:
// the run's end then only pays for the walk itself. A warm pool boots it while it prepares the
// sandbox (prestart's promise says when it is up), off any run's way.
import type Dockerode from "dockerode";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import type { Candidate } from "./changed-files.js";
import { STAGED_MARKER } from "./constants.js";
import { type ExecResult, type ExecStreams, execExitCode, runExec, startExec } from "./exec.js";
import { INLINE_FILE_BYTES, SCAN_SCRIPT } from "./in-sandbox-scripts.js";

export interface ScanTarget {
  docker: Dockerode;
  container: Dockerode.Container;
  nodePath: string;
  workspacePath: string;
}

const MAX_LIST_BYTES = 256 * 1024 * 1024;

/** A scanner booted in the container, waiting for the end of its stdin. */
interface Waiting {
  streams: ExecStreams;
  stdout: Buffer[];
  stderr: Buffer[];
  /** Told to scan (its stdin closed). */
  told: boolean;
  /** Its output ended before it was told to scan (killed, or the container is gone). */
  endedEarly: boolean;
  size: number;
  /** Resolves once it printed that it is up, or its output ended (it will not come up). */
  up: Promise<void>;
}

export class WorkspaceScanner {
  #waiting: Promise<Waiting | undefined> | undefined;

  constructor(private readonly target: ScanTarget) {}

  /**
   * Boots a scanner that waits in the container; at most one waits at a time. Resolves once it is
   * up (or could not be started: the scan then starts one itself); never rejects.
   */
  prestart(): Promise<void> {
    this.#waiting ??= this.#start().catch(() => undefined);
    return this.#waiting.then((waiting) => waiting?.up);
  }

  /**
   * Regular files changed since the staged marker, with their sizes. Uses the waiting scanner when
   * there is one in working order; otherwise (none, killed, garbled output) starts one now.
   */
  async scan(signal: AbortSignal): Promise<Candidate[]> {
    const waiting = await this.#take();
    const ahead = waiting ? await this.#run(waiting, signal).catch(() => undefined) : undefined;
    signal.throwIfAborted();
    if (ahead) {
      const rows = parseRows(ahead);
      if (rows) return rows;
    }
    const result = await runExec(
      this.target.docker,
      this.target.container,
      { cmd: this.#command(), workingDir: "/" },
      { signal, maxOutputBytes: MAX_LIST_BYTES },
    );
    const rows = parseRows(result);
    if (rows) return rows;
    const detail = result.stderr.toString("utf8").trim().slice(0, 500);
    throw new SandboxError(
      "SANDBOX_IO_FAILED",
      `Listing changed files failed (exit ${result.exitCode}): ${detail}`,
    );
  }

  #take(): Promise<Waiting | undefined> {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    return waiting ?? Promise.resolve(undefined);
  }

  #command(wait?: "wait"): string[] {
    const { nodePath, workspacePath } = this.target;
    return [
      nodePath,
      "-e",
      SCAN_SCRIPT,
      "--",
      workspacePath,
      STAGED_MARKER,
      ...(wait ? [wait] : []),
    ];
  }

  async #start(): Promise<Waiting> {
    const streams = await startExec(this.target.docker, this.target.container, {
      cmd: this.#command("wait"),
      workingDir: "/",
      stdin: true,
    });
    const waiting: Waiting = {
      streams,
      stdout: [],
      stderr: [],
      told: false,
      endedEarly: false,
      size: 0,
      up: new Promise((resolve) => {
        streams.stdout.once("data", () => resolve());
        void streams.ended.then(() => resolve());
      }),
    };
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      waiting.size += chunk.length;
      if (waiting.size > MAX_LIST_BYTES) streams.close();
      else into.push(chunk);
    };
    streams.stdout.on("data", keep(waiting.stdout));
    streams.stderr.on("data", keep(waiting.stderr));
    void streams.ended.then(() => {
      if (!waiting.told) waiting.endedEarly = true;
    });
    return waiting;
  }

  /** Tells the scanner to scan (EOF on its stdin) and collects what it printed. */
  async #run(waiting: Waiting, signal: AbortSignal): Promise<ExecResult | undefined> {
    if (waiting.endedEarly || !waiting.streams.stdin) return undefined;
    waiting.told = true;
    const abort = () => waiting.streams.close();
    signal.addEventListener("abort", abort, { once: true });
    try {
      await waiting.streams.stdin.end();
      await waiting.streams.ended;
    } finally {
      signal.removeEventListener("abort", abort);
    }
    if (waiting.size > MAX_LIST_BYTES) return undefined;
    const exitCode = await execExitCode(waiting.streams.exec);
    return {
      exitCode,
      stdout: Buffer.concat(waiting.stdout),
      stderr: Buffer.concat(waiting.stderr),
    };
  }
}

/** A path the scanner can print: relative, normalized, inside the workspace. */
function isWorkspacePath(path: string): boolean {
  return (
    path !== "" && path.split("/").every((part) => part !== "" && part !== "." && part !== "..")
  );
}

/**
 * The scanner's rows, or undefined when it failed or printed anything but [relative path, size]
 * or [relative path, size, base64 content] rows (it runs beside the agent, so its output is checked like any other sandbox output).
 */
function parseRows(result: ExecResult): Candidate[] | undefined {
  if (result.exitCode !== 0) return undefined;
  let rows: unknown;
  try {
    rows = JSON.parse(result.stdout.toString("utf8"));
  } catch {
    return undefined;
  }
  return candidatesOf(rows);
}

/** Scanned rows (SCAN_FUNCTION's, parsed JSON) as candidates; undefined when any row is not one. */
export function candidatesOf(rows: unknown): Candidate[] | undefined {
  if (!Array.isArray(rows)) return undefined;
  const candidates: Candidate[] = [];
  for (const row of rows) {
    if (!Array.isArray(row) || typeof row[0] !== "string" || !isWorkspacePath(row[0]))
      return undefined;
    if (typeof row[1] !== "number" || !Number.isSafeInteger(row[1]) || row[1] < 0) return undefined;
    if (row.length === 2) {
      candidates.push({ path: row[0], size: row[1] });
      continue;
    }
    // Inlined content: its size is what was read (the limits are checked on it again).
    if (row.length !== 3 || typeof row[2] !== "string") return undefined;
    const content = Buffer.from(row[2], "base64");
    if (content.length > INLINE_FILE_BYTES) return undefined;
    candidates.push({ path: row[0], size: content.length, content });
  }
  return candidates;
}
